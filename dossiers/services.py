"""Every change of a dossier: keyword-only, atomic, authorized by delegations.authz, journaled."""

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from delegations.authz import Decision, DossierAction, decide
from journal.models import Action
from journal.services import record

from .models import MEDICAL_FIELDS, TRANSITIONS, Dossier, Patient

if TYPE_CHECKING:
    from accounts.actor import Actor
    from journal.models import Entry


class DossierError(Exception):
    """A refused state change; the message is French and shown to the user."""


class ConcurrentModification(DossierError):
    pass


def _authorize(actor: "Actor", action: DossierAction, dossier: Dossier | None = None) -> Decision:
    decision = decide(actor, action)
    if not decision.allowed or (dossier is not None and dossier.medecin_traitant_id != decision.principal.pk):  # type: ignore[union-attr]  # allowed: a principal
        raise PermissionDenied(decision.reason)
    return decision


def _journal(actor: "Actor", decision: Decision, action: Action, dossier: Dossier, **extra: Any) -> "Entry":
    return record(
        action=action,
        **actor.journal_fields(),
        on_behalf_of=decision.principal,
        is_delegated=decision.is_delegated,
        dossier=dossier,
        **extra,
    )


def _display(value: object) -> str:
    if value in (None, ""):
        return ""
    return str(value)


@transaction.atomic
def create_dossier(*, actor: "Actor", dossier_type: str, patient: dict[str, Any]) -> Dossier:
    decision = _authorize(actor, DossierAction.CREATE)
    new_patient = Patient.objects.create(**patient)
    now = timezone.now()
    dossier = Dossier.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}",  # replaced just below
        dossier_type=dossier_type,
        patient=new_patient,
        medecin_traitant=decision.principal,  # type: ignore[misc]  # allowed: a principal
        created_at=now,
        updated_at=now,
    )
    dossier.number = Dossier.number_for(dossier.pk, now)
    Dossier.objects.filter(pk=dossier.pk).update(number=dossier.number)
    _journal(actor, decision, Action.DOSSIER_CREATED, dossier, detail=f"Demande {dossier_type}")
    return dossier


def record_consultation(*, actor: "Actor", dossier: Dossier) -> None:
    """The dossier's opening, journaled. No transaction of its own: the entry is the whole change, and its append is
    atomic by itself (journal.services.record), one statement on PostgreSQL instead of five with BEGIN and COMMIT."""
    decision = _authorize(actor, DossierAction.VIEW, dossier)
    _journal(actor, decision, Action.DOSSIER_VIEWED, dossier)


@transaction.atomic
def update_medical(
    *, actor: "Actor", dossier: Dossier, data: dict[str, Any], expected_version: int
) -> list[dict[str, Any]]:
    """Save the volet médical; returns the changes (empty when nothing changed).

    Editing a validated volet sends it back to « En cours de saisie ».
    """
    decision = _authorize(actor, DossierAction.EDIT_MEDICAL, dossier)
    current = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if current.version != expected_version:
        raise ConcurrentModification(
            "Ce dossier a été modifié entre-temps par une autre personne. Vos saisies sont conservées "
            "ci-dessous : vérifiez la version actuelle dans l'historique puis enregistrez à nouveau."
        )
    edit = TRANSITIONS[DossierAction.EDIT_MEDICAL]
    if current.status not in edit.sources:
        raise DossierError(edit.refused.format(status=current.get_status_display()))
    changes: list[dict[str, Any]] = []
    for name in MEDICAL_FIELDS:
        old, new = getattr(current, name), data.get(name)
        if (old or None) != (new or None):
            label = Dossier._meta.get_field(name).verbose_name  # type: ignore[union-attr]  # a concrete field
            changes.append({"field": name, "label": label, "old": _display(old), "new": _display(new)})
            setattr(current, name, new)
    if not changes:
        return []
    update_fields = [c["field"] for c in changes] + ["version", "updated_at", "status", "validated_by", "validated_at"]
    if current.status != edit.target:
        changes.append(
            {"field": "status", "label": "Statut", "old": current.get_status_display(), "new": edit.target.label}
        )
        current.status = edit.target
        current.validated_by = None
        current.validated_at = None
    current.version = F("version") + 1
    current.updated_at = timezone.now()
    current.save(update_fields=update_fields)
    _journal(actor, decision, Action.MEDICAL_UPDATED, current, changes=changes)
    return changes


def _transition(
    *,
    actor: "Actor",
    dossier: Dossier,
    action: DossierAction,
    journal_action: Action,
    extra: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    decision = _authorize(actor, action, dossier)
    current = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentModification(
            "Ce dossier a été modifié entre-temps par une autre personne : relisez-le avant de recommencer."
        )
    transition = TRANSITIONS[action]
    if current.status not in transition.sources:
        raise DossierError(transition.refused.format(status=current.get_status_display()))
    old = current.get_status_display()
    current.status = transition.target
    current.updated_at = timezone.now()
    for key, value in (extra or {}).items():
        setattr(current, key, value)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db(fields=["version"])
    _journal(
        actor,
        decision,
        journal_action,
        current,
        changes=[{"field": "status", "label": "Statut", "old": old, "new": current.get_status_display()}],
    )
    return current


@transaction.atomic
def validate_medical(*, actor: "Actor", dossier: Dossier, expected_version: int | None = None) -> Dossier:
    """Only a doctor with his CPS validates: validating signs the volet médical. `expected_version`: the version
    the signer was shown; signed only if it is still the stored one."""
    missing = dossier.missing_to_validate()
    if missing:
        raise DossierError(
            f"Avant de valider le volet médical, renseignez : {', '.join(label for _, label in missing)}."
        )
    return _transition(
        actor=actor,
        dossier=dossier,
        action=DossierAction.VALIDATE_MEDICAL,
        journal_action=Action.MEDICAL_VALIDATED,
        extra={"validated_by": actor.user, "validated_at": timezone.now()},
        expected_version=expected_version,
    )


@transaction.atomic
def send_dossier(*, actor: "Actor", dossier: Dossier) -> Dossier:
    return _transition(
        actor=actor,
        dossier=dossier,
        action=DossierAction.SEND,
        journal_action=Action.DOSSIER_SENT,
    )


@transaction.atomic
def archive_dossier(*, actor: "Actor", dossier: Dossier) -> Dossier:
    return _transition(
        actor=actor,
        dossier=dossier,
        action=DossierAction.ARCHIVE,
        journal_action=Action.DOSSIER_ARCHIVED,
    )
