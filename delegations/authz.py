"""THE authorization place: may this actor do this action on a doctor's dossiers, and for whom?

Every view and service asks here; dossiers are then fetched through a queryset filtered to the
principal decided here. Delegations are read from the database on every request (memoised on the
request's actor only): a deleted or expired delegation gives nothing from the very next request.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.utils import timezone

from core.text import whole_number

from .models import Delegation, State, delegation_in_force_between
from .policy import KINDS, REQUIRED_RIGHT, RIGHTS, DossierAction, Kind

if TYPE_CHECKING:
    from accounts.actor import Actor
    from directory.models import Professional

__all__ = [
    "REQUIRED_RIGHT",
    "DossierAction",
    "Decision",
    "Reason",
    "Withdrawal",
    "decide",
    "may_manage_delegations",
    "may_oversee",
    "withdrawal",
]

# What each action asks of a delegation, from the policy: (the right's column, whether using it signs).
_NEEDS = {action: (RIGHTS[right].field, RIGHTS[right].signs) for action, right in REQUIRED_RIGHT.items()}

# A delegate must hold a CPx card; a CPF (student) card is not enough.
DELEGATE_CARD_TYPES = {"CPS", "CPE", "CPA"}


class Reason(models.TextChoices):
    ALLOWED = "allowed", "Autorisé"
    ANONYMOUS = "anonymous", "Connexion requise"
    NO_OWN_SPACE = "no_own_space", "Pas d'espace médecin pour cette carte"
    NO_DELEGATION = "no_delegation", "Aucune délégation en cours de validité"
    CARD_NOT_ALLOWED = "card_not_allowed", "Carte ne permettant pas d'agir par délégation"
    RIGHT_NOT_GRANTED = "right_not_granted", "Droit non accordé par le médecin"
    NOT_A_SIGNATURE = "not_a_signature", "Seul un médecin connecté avec sa CPS peut valider"
    DELEGATE_CANNOT_DELEGATE = "delegate_cannot_delegate", "Un délégataire ne peut pas déléguer"
    LEFT_DIRECTORY = "left_directory", "Inscription à l'annuaire national inactive"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # On whose behalf the actor acts (a directory Professional), when known.
    principal: "Professional | None" = None
    is_delegated: bool = False
    delegation: Delegation | None = None

    def __bool__(self) -> bool:
        return self.allowed


def delegation_in_force(actor: "Actor") -> Delegation | None:
    """The accepted, in-date delegation from the doctor the actor chose to act for, if any."""
    if not actor.acting_for_id:
        return None
    key = ("delegation", actor.acting_for_id)
    if key not in actor.cache:
        # Acting for someone: a logged-in user, whose primary key is set.
        delegate_id = cast(int, actor.user.pk)
        actor.cache[key] = delegation_in_force_between(delegate_id=delegate_id, doctor_id=actor.acting_for_id)
    found: Delegation | None = actor.cache[key]
    return found


def left_directory(professional: "Professional | None") -> bool:
    """Struck off, retired or deceased: absent from the last directory import. Such a person acts for nobody, and
    nobody acts for him, from that moment on, whether or not his delegations are already marked « Suspendue »."""
    return professional is not None and not professional.is_active


def decide(actor: "Actor | None", action: str) -> Decision:
    """Decide for the actor's current principal: himself, or the doctor chosen via « Agir au nom de »."""
    if actor is None or not actor.is_authenticated:
        return Decision(False, Reason.ANONYMOUS)
    if left_directory(actor.professional):
        return Decision(False, Reason.LEFT_DIRECTORY)
    if actor.acting_for_id:
        return _decide_as_delegate(actor, DossierAction(action))
    if not actor.is_doctor:
        return Decision(False, Reason.NO_OWN_SPACE)
    # A doctor with his CPS, in his own space: every action on the dossiers he is médecin traitant of.
    return Decision(True, Reason.ALLOWED, principal=actor.professional)


def _decide_as_delegate(actor: "Actor", action: DossierAction) -> Decision:
    delegation = delegation_in_force(actor)
    if delegation is None:
        return Decision(False, Reason.NO_DELEGATION)
    if left_directory(delegation.doctor):
        # delegation_in_force_between already asks for an active doctor; said again here, where decisions live.
        return Decision(False, Reason.LEFT_DIRECTORY)
    context: dict[str, Any] = {"principal": delegation.doctor, "is_delegated": True, "delegation": delegation}
    if actor.card_type not in DELEGATE_CARD_TYPES:
        return Decision(False, Reason.CARD_NOT_ALLOWED, **context)
    field, signs = _NEEDS[action]
    if not getattr(delegation, field):
        return Decision(False, Reason.RIGHT_NOT_GRANTED, **context)
    # Validating signs: only a kind that signs (a colleague doctor), with his own CPS, ever does it for another.
    if signs and not (KINDS[Kind(delegation.kind)].signs and actor.is_doctor):
        return Decision(False, Reason.NOT_A_SIGNATURE, **context)
    return Decision(True, Reason.ALLOWED, **context)


def may_manage_delegations(actor: "Actor | None") -> Decision:
    """MES DELEGATIONS: a doctor in his own space only. A delegate never grants (no re-delegation)."""
    if actor is None or not actor.is_authenticated:
        return Decision(False, Reason.ANONYMOUS)
    if actor.acting_for_id:
        return Decision(False, Reason.DELEGATE_CANNOT_DELEGATE)
    if left_directory(actor.professional):
        return Decision(False, Reason.LEFT_DIRECTORY)
    if not actor.is_doctor:
        return Decision(False, Reason.NO_OWN_SPACE)
    return Decision(True, Reason.ALLOWED, principal=actor.professional)


def may_oversee(actor: "Actor | None") -> Decision:
    """« Actions faites en mon nom », its exports, the panel of Mes dossiers and « Mes préférences »: MES
    DELEGATIONS' rule, the same decision (a doctor in his own space; a delegate acting for him sees none)."""
    return may_manage_delegations(actor)


def allowed_actions(actor: "Actor | None") -> set[str]:
    """The actions the actor may do for his current principal (to choose which buttons to show)."""
    return {action for action in DossierAction if decide(actor, action).allowed}


@dataclass(frozen=True)
class Withdrawal:
    """Why a delegate's action, meant for a doctor, is refused now: his delegation ended or lost the right between
    the page he filled and the form he sent. `message` is French, for him."""

    # The doctor the page was drawn for; None when it was drawn in the actor's own space, or for a doctor not named
    # to him (no delegation of his from that doctor).
    doctor: "Professional | None"
    message: str
    drawn_in_own_space: bool = False


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("le %d/%m/%Y à %H:%M")


def withdrawal(actor: "Actor | None", action: str, *, drawn_for: str = "") -> Withdrawal | None:
    """The delegation the actor was acting under, if it no longer allows `action`: ended (deleted, expired,
    suspended) or without the right, while he was on a page drawn for that doctor (`drawn_for`: the doctor's id the
    page wrote in its form; the right was there, or the page would not offer the form). None when he may do it, or
    the form was not drawn for the doctor he acts or acted for: a plain refusal, as before. Also when he may do it,
    but for another principal than the page's (`_elsewhere`: « Agir au nom de » switched in another tab).

    Told from the session's « Agir au nom de » and the actor's own delegations only, never from a dossier: saying
    it reveals nothing of a dossier he may no longer see. It decides nothing: `decide` refused already."""
    if actor is None or not actor.is_authenticated:
        return None
    drawn_id = whole_number(drawn_for)
    own_id = actor.professional.pk if actor.professional else None
    if actor.ended_acting_for_id is not None:
        # Ended during this request: what he sent was meant for that doctor, whatever his own space allows.
        doctor_id, decision = actor.ended_acting_for_id, None
    elif actor.acting_for_id is not None:
        doctor_id, decision = actor.acting_for_id, decide(actor, action)
        if decision.allowed:
            return _elsewhere(actor, decision, drawn_id, own_id)
        if decision.reason != Reason.RIGHT_NOT_GRANTED:
            return None  # refused for another reason (card, signature): as before
    elif drawn_id is not None and drawn_id != own_id:
        # Back in his own space since the page was drawn (another tab, an earlier request): not for himself.
        doctor_id, decision = drawn_id, None
    else:
        return None  # in his own space, as when the page was drawn (or a request from no page of ours)
    if drawn_id != doctor_id:
        return None  # not sent from a page drawn while acting for him
    latest = (
        decision.delegation
        if decision is not None
        else Delegation.objects.filter(delegate_id=actor.user.pk, doctor_id=doctor_id)
        .select_related("doctor")
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None:
        return _elsewhere(actor, decide(actor, action), drawn_id, own_id)
    doctor = latest.doctor
    of = f"Votre délégation du médecin {doctor.display_name}"
    if decision is not None:  # in force, without the right
        right = RIGHTS[REQUIRED_RIGHT[DossierAction(action)]].label
        message = f"{of} ne comprend plus le droit « {right} » : il a été retiré {_when(latest.updated_at)}."
    elif latest.state == State.DELETED and latest.deleted_at:
        message = f"{of} a pris fin {_when(latest.deleted_at)}."
    elif latest.state == State.SUSPENDED and latest.suspended_at:
        message = f"{of} a été suspendue {_when(latest.suspended_at)}. {latest.suspension_reason}".strip()
    elif latest.ends_on and latest.ends_on < timezone.localdate():
        message = f"{of} a expiré : elle était valable jusqu'au {latest.ends_on:%d/%m/%Y} inclus."
    elif latest.state == State.ACCEPTED and latest.starts_on <= timezone.localdate():
        message = f"Vous n'agissez plus au nom du médecin {doctor.display_name} : vous êtes revenu(e) à votre espace."
    else:
        message = f"{of} n'est plus en cours de validité."
    return Withdrawal(doctor=doctor, message=message)


def _elsewhere(actor: "Actor", decision: Decision, drawn_id: int | None, own_id: int | None) -> Withdrawal | None:
    """The actor may do the action, but for another doctor than the one the page was drawn for: he switched
    « Agir au nom de » in another tab. What he sent must not land in that other doctor's space (nor his own).
    None when the page was drawn for the current principal, or says nothing (a request from no page of ours)."""
    principal = decision.principal
    if not decision.allowed or principal is None or drawn_id is None or drawn_id == principal.pk:
        return None
    if actor.acting_for_id is not None:
        message = f"Vous agissez maintenant au nom du médecin {principal.display_name}."
    else:
        message = "Vous agissez maintenant dans votre propre espace."
    if drawn_id == own_id:
        return Withdrawal(doctor=None, message=message, drawn_in_own_space=True)
    # Named only if he holds, or held, a delegation from that doctor: an id typed by hand reveals no name.
    latest = (
        Delegation.objects.filter(delegate_id=actor.user.pk, doctor_id=drawn_id)
        .select_related("doctor")
        .order_by("-created_at", "-id")
        .first()
    )
    return Withdrawal(doctor=latest.doctor if latest else None, message=message)
