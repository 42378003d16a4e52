"""The delegation policy, declared once: each right a doctor may grant and each kind of delegation.

Everything else is derived from these declarations, at import time (no cost per request): the model's right columns'
labels and its check constraints (`constraints()`), the forms' checkboxes with their hints, the templates (they
loop over the declared rights and kinds), `REQUIRED_RIGHT`, the implied rights (`normalize`), the checks and
messages shared by forms and services (`problems`), how an invitee's identity is matched, and what
`delegations.authz` asks of a delegation.

A new right: one `Right` member and one `RightPolicy`, then `makemigrations` (a boolean column `can_<value>` and
the constraints regenerated). A new kind: one `Kind` member and one `KindPolicy`, then `makemigrations`.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import reverse


class DossierAction(models.TextChoices):
    VIEW = "view", "Consulter le dossier"
    CREATE = "create", "Créer un dossier"
    EDIT_MEDICAL = "edit_medical", "Modifier le volet médical"
    VALIDATE_MEDICAL = "validate_medical", "Valider le volet médical"
    SEND = "send", "Envoyer le dossier"
    ARCHIVE = "archive", "Archiver le dossier"


class Right(models.TextChoices):
    CONSULT = "consult", "Consulter les dossiers"
    CREATE = "create", "Créer des dossiers"
    EDIT = "edit", "Modifier les dossiers"
    VALIDATE = "validate", "Valider le volet médical"


class Kind(models.TextChoices):
    ASSISTANT = "assistant", "Assistant(e)"
    COLLEAGUE = "confrere", "Médecin (confrère)"


# How the invitee is chosen, hence which form invites him and how his identity is matched when he answers.
BY_NAME = "by_name"  # name and address typed by the doctor; matched on the card holder's name (accents, case ignored)
FROM_DIRECTORY = "from_directory"  # a médecin chosen in the directory; matched on the same directory entry, with a CPS


class _Declaration:
    """A policy's value and French label: those of the enum member it declares."""

    @property
    def member(self) -> models.TextChoices:
        raise NotImplementedError

    @property
    def value(self) -> str:
        return self.member.value

    @property
    def label(self) -> str:
        return self.member.label


@dataclass(frozen=True)
class RightPolicy(_Declaration):
    right: Right
    hint: str
    actions: frozenset[DossierAction]  # the dossier actions it gives
    implies: frozenset[Right] = frozenset()  # rights it brings with it
    signs: bool = False  # using it signs for the doctor: only kinds that sign hold it, used with one's own CPS
    default: bool = False  # the column's default

    @property
    def member(self) -> Right:
        return self.right

    @property
    def field(self) -> str:
        """The model's boolean column and the form's checkbox."""
        return f"can_{self.right.value}"


@dataclass(frozen=True)
class KindPolicy(_Declaration):
    kind: Kind
    invitee: str  # BY_NAME or FROM_DIRECTORY
    ends_required: bool
    signs: bool  # may hold the rights that sign (a médecin, never an assistant's CPE or CPA)
    # MES DELEGATIONS: the section's heading, the table's caption and its first column; the adding page's title.
    heading: str
    caption: str
    who: str
    add_title: str

    @property
    def member(self) -> Kind:
        return self.kind

    @property
    def add_url(self) -> str:
        """The page that adds one: the form by name and address, or the directory search; ?type= says the kind."""
        name = "delegations:add-assistant" if self.invitee == BY_NAME else "delegations:add-colleague"
        return f"{reverse(name)}?type={self.kind.value}"


RIGHTS: dict[Right, RightPolicy] = {
    policy.right: policy
    for policy in [
        RightPolicy(
            Right.CONSULT,
            hint="Voir vos dossiers : identité du patient, volets administratif et médical, historique.",
            actions=frozenset({DossierAction.VIEW}),
            default=True,
        ),
        RightPolicy(
            Right.CREATE,
            hint="Ouvrir un dossier pour un nouveau patient. Comprend « Consulter les dossiers ».",
            actions=frozenset({DossierAction.CREATE}),
            implies=frozenset({Right.CONSULT}),
        ),
        RightPolicy(
            Right.EDIT,
            hint=(
                "Remplir et corriger le volet médical, et aussi envoyer un dossier et l'archiver. "
                "Comprend « Consulter les dossiers »."
            ),
            actions=frozenset({DossierAction.EDIT_MEDICAL, DossierAction.SEND, DossierAction.ARCHIVE}),
            implies=frozenset({Right.CONSULT}),
        ),
        RightPolicy(
            Right.VALIDATE,
            hint=(
                "Signer le volet médical en votre nom : le confrère signe avec sa propre carte CPS et "
                "l'historique indique qu'il a agi en votre nom. Réservé à un médecin."
            ),
            actions=frozenset({DossierAction.VALIDATE_MEDICAL}),
            implies=frozenset({Right.CONSULT}),
            signs=True,
        ),
    ]
}

KINDS: dict[Kind, KindPolicy] = {
    policy.kind: policy
    for policy in [
        KindPolicy(
            Kind.ASSISTANT,
            invitee=BY_NAME,
            ends_required=False,
            signs=False,
            heading="Assistant(s) habilité(s) à gérer mes dossiers",
            caption="Assistant(s) habilité(s)",
            who="Assistant(e)",
            add_title="Ajouter une délégation de droits à un(e) assistant(e)",
        ),
        KindPolicy(
            Kind.COLLEAGUE,
            invitee=FROM_DIRECTORY,
            ends_required=True,
            signs=True,
            heading="Médecin(s) habilité(s) à gérer mes dossiers",
            caption="Médecin(s) habilité(s)",
            who="Médecin",
            add_title="Ajouter une délégation de droits à un médecin",
        ),
    ]
}

# --- Derived, once ---------------------------------------------------------------------------------------------

assert set(RIGHTS) == set(Right) and set(KINDS) == set(Kind), "every right and kind needs its policy"  # noqa: S101

# The right each dossier action needs (exactly one).
REQUIRED_RIGHT: dict[DossierAction, Right] = {
    action: policy.right for policy in RIGHTS.values() for action in policy.actions
}
assert set(REQUIRED_RIGHT) == set(DossierAction), "every dossier action needs exactly one right"  # noqa: S101
assert sum(len(p.actions) for p in RIGHTS.values()) == len(DossierAction), "an action given by two rights"  # noqa: S101


def holders(right: Right) -> frozenset[Kind]:
    """The kinds that may hold the right."""
    return frozenset(kind for kind, policy in KINDS.items() if policy.signs or not RIGHTS[right].signs)


HOLDERS: dict[Right, frozenset[Kind]] = {right: holders(right) for right in RIGHTS}
BY_NAME_KINDS = [kind for kind, policy in KINDS.items() if policy.invitee == BY_NAME]
FROM_DIRECTORY_KINDS = [kind for kind, policy in KINDS.items() if policy.invitee == FROM_DIRECTORY]


def kind_added_by(invitee: str, value: str | None) -> KindPolicy:
    """The kind a page adding delegations by `invitee` adds: ?type= among its kinds, else the first declared."""
    kinds = [policy for policy in KINDS.values() if policy.invitee == invitee]
    return next((policy for policy in kinds if policy.value == value), kinds[0])


def rights_for(kind: str) -> list[RightPolicy]:
    """The rights a kind of delegation may hold, in the declared order (the form's checkboxes)."""
    return [policy for right, policy in RIGHTS.items() if kind in HOLDERS[right]]


def _closure(rights: Iterable[str]) -> set[Right]:
    held = {Right(r) for r in rights}
    while True:
        more = held.union(*(RIGHTS[r].implies for r in held))
        if more == held:
            return held
        held = more


def normalize(rights: Iterable[str]) -> dict[str, bool]:
    """The model's right columns for the rights granted, implied rights added (« modifier implique consulter »)."""
    held = _closure(rights)
    return {policy.field: right in held for right, policy in RIGHTS.items()}


# --- The checks of a delegation's terms, for forms and services alike ---------------------------------------------

NO_RIGHT = "Cochez au moins un droit."
ENDS_BEFORE_START = "La date de fin doit suivre la date de début."
ENDS_IN_THE_PAST = "La date de fin est déjà passée."
ENDS_REQUIRED = "Saisissez la date de fin : elle est obligatoire pour ce type de délégation."


def signs_refused(right: Right) -> str:
    return f"Seul un médecin peut recevoir le droit « {RIGHTS[right].label} »."


def problems(
    *,
    kind: str,
    rights: Sequence[str],
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    today: datetime.date,
) -> list[tuple[str | None, str]]:
    """What is wrong with these terms, as (form field or None, French message); [] when nothing is."""
    found: list[tuple[str | None, str]] = []
    if not rights:
        found.append((None, NO_RIGHT))
    found += [(None, signs_refused(Right(r))) for r in rights if kind not in HOLDERS[Right(r)]]
    if KINDS[Kind(kind)].ends_required and ends_on is None:
        found.append(("ends_on", ENDS_REQUIRED))
    if ends_on is not None and starts_on is not None and ends_on < starts_on:
        found.append(("ends_on", ENDS_BEFORE_START))
    if ends_on is not None and ends_on < today:
        found.append(("ends_on", ENDS_IN_THE_PAST))
    return found


# --- The database holds the policy too ----------------------------------------------------------------------------


def constraints() -> list[models.CheckConstraint]:
    """Check constraints of the Delegation model, derived from the declarations (regenerated by makemigrations)."""
    found = [
        models.CheckConstraint(condition=Q(kind__in=[k.value for k in KINDS]), name="kind_is_declared"),
        # The directory entry is set exactly for the kinds chosen from the directory.
        models.CheckConstraint(
            condition=Q(kind__in=[k.value for k in FROM_DIRECTORY_KINDS], colleague__isnull=False)
            | Q(kind__in=[k.value for k in BY_NAME_KINDS], colleague__isnull=True),
            name="colleague_exactly_for_directory_kinds",
        ),
    ]
    # The kinds that require an end date have one, whatever writes the row (an assistant's end date is optional).
    ending = sorted(kind.value for kind, policy in KINDS.items() if policy.ends_required)
    if ending:
        found.append(
            models.CheckConstraint(
                condition=~Q(kind__in=ending) | Q(ends_on__isnull=False), name="ends_on_for_kinds_that_require_it"
            )
        )
    for right, policy in RIGHTS.items():
        if HOLDERS[right] != set(KINDS):
            found.append(
                models.CheckConstraint(
                    condition=Q(**{policy.field: False}) | Q(kind__in=sorted(k.value for k in HOLDERS[right])),
                    name=f"{policy.field}_only_for_its_kinds",
                )
            )
        for implied in sorted(policy.implies):
            found.append(
                models.CheckConstraint(
                    condition=Q(**{policy.field: False}) | Q(**{RIGHTS[implied].field: True}),
                    name=f"{policy.field}_implies_{RIGHTS[implied].field}",
                )
            )
    return found
