"""Every change of a delegation: keyword-only, atomic, authorized, journaled; mails go to the outbox."""

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from journal.models import Action
from journal.services import record

from . import mails
from .authz import DELEGATE_CARD_TYPES, left_directory, may_manage_delegations
from .models import INVITATION_VALIDITY, LIVE_STATES, Delegation, Invitation, Kind, State, person_key
from .policy import BY_NAME, FROM_DIRECTORY, KINDS, normalize, problems
from .selectors import live_delegation_to

if TYPE_CHECKING:
    from accounts.actor import Actor
    from accounts.models import User
    from directory.models import Professional
    from journal.models import Entry


class DelegationError(Exception):
    """A refused change; the message is French and shown to the user."""


class IdentityMismatch(DelegationError):
    def __init__(self, delegation: Delegation) -> None:
        super().__init__(
            "Cette invitation est destinée à une autre personne : seule la personne invitée peut y répondre."
        )
        self.delegation = delegation


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _journal(actor: "Actor | None", action: Action, delegation: Delegation, **extra: Any) -> "Entry":
    fields = (
        actor.journal_fields()
        if actor is not None
        else {"actor_user": None, "actor_name": "la plateforme", "actor_role": ""}
    )
    return record(action=action, **fields, on_behalf_of=delegation.doctor, delegation=delegation, **extra)


def _manager(actor: "Actor") -> "Professional":
    decision = may_manage_delegations(actor)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    return cast("Professional", decision.principal)  # allowed: a principal


def _check(kind: str, rights: Sequence[str], starts_on: datetime.date | None, ends_on: datetime.date | None) -> None:
    """The policy's checks of the terms, the forms' own: the first problem, in the forms' words."""
    found = problems(kind=kind, rights=rights, starts_on=starts_on, ends_on=ends_on, today=timezone.localdate())
    if found:
        raise DelegationError(found[0][1])


def _new_invitation(delegation: Delegation) -> tuple[str, Invitation]:
    """Kill the previous links and make a new one; the clear token exists only in the mail."""
    now = timezone.now()
    delegation.invitations.open().update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        delegation=delegation, token_hash=_hash(token), expires_at=now + INVITATION_VALIDITY
    )
    return token, invitation


def _invite(actor: "Actor", delegation: Delegation) -> None:
    """A new single-use link, mailed through the outbox; the clear token exists only in the mail."""
    token, invitation = _new_invitation(delegation)
    mails.queue(
        "invitation",
        key=str(invitation.pk),
        to=delegation.invited_email,
        delegation=delegation,
        url=invitation_url(token),
        expires_at=invitation.expires_at,
    )
    _journal(actor, Action.DELEGATION_MAILED, delegation)


def invitation_url(token: str) -> str:
    site_url: str = settings.SITE_URL
    return site_url + reverse("delegations:invitation", args=[token])


@transaction.atomic
def add_assistant(
    *,
    actor: "Actor",
    first_name: str,
    last_name: str,
    email: str,
    rights: Sequence[str],
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    kind: Kind = Kind.ASSISTANT,
) -> Delegation:
    """A delegation to a person invited by name and address (the kinds of the policy invited BY_NAME)."""
    if KINDS[kind].invitee != BY_NAME:
        raise ValueError(kind)
    doctor = _manager(actor)
    _check(kind, rights, starts_on, ends_on)
    if person_key(first_name, last_name) == person_key(doctor.first_name, doctor.last_name):
        raise DelegationError("Vous ne pouvez pas vous déléguer des droits à vous-même.")
    # No constraint covers a pending assistant (no delegate yet): lock the doctor's row so that a double
    # click on « Ajouter » waits for the first addition, then sees it below.
    type(doctor).objects.select_for_update().only("pk").get(pk=doctor.pk)
    if live_delegation_to(doctor, kind=kind, email=email) is not None:
        raise DelegationError("Une délégation est déjà en cours pour cette personne : modifiez-la plutôt.")
    _expire_ended(doctor=doctor, kind=kind, invited_email__iexact=email)
    delegation = Delegation.objects.create(
        doctor=doctor,
        kind=kind,
        invited_first_name=first_name,
        invited_last_name=last_name,
        invited_email=email,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=cast("User", actor.user),
        **normalize(rights),
    )
    _journal(actor, Action.DELEGATION_ADDED, delegation, detail=_summary(delegation))
    _invite(actor, delegation)
    return delegation


@transaction.atomic
def add_colleague(
    *,
    actor: "Actor",
    colleague: "Professional",
    email: str,
    rights: Sequence[str],
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    kind: Kind = Kind.COLLEAGUE,
) -> Delegation:
    """A delegation to a médecin chosen in the directory (the kinds of the policy invited FROM_DIRECTORY)."""
    if KINDS[kind].invitee != FROM_DIRECTORY:
        raise ValueError(kind)
    doctor = _manager(actor)
    _check(kind, rights, starts_on, ends_on)
    if colleague.pk == doctor.pk:
        raise DelegationError("Vous ne pouvez pas vous déléguer des droits à vous-même.")
    # Read again, locked: the directory entry as it is now (an import may have deactivated it since the page), and
    # an import deactivating him waits for this invitation, which its suspension sweep then finds.
    colleague = type(colleague).objects.select_for_update().get(pk=colleague.pk)
    if not colleague.is_active or not colleague.is_doctor:
        raise DelegationError("Ce médecin ne peut pas être sélectionné : il n'est plus actif dans l'annuaire.")
    if not email:
        raise DelegationError("L'annuaire n'a pas d'adresse électronique pour ce médecin : saisissez-la.")
    if live_delegation_to(doctor, colleague=colleague) is not None:
        raise DelegationError("Une délégation est déjà en cours pour ce médecin : modifiez-la plutôt.")
    _expire_ended(doctor=doctor, colleague=colleague)
    try:
        with transaction.atomic():
            delegation = Delegation.objects.create(
                doctor=doctor,
                kind=kind,
                colleague=colleague,
                invited_first_name=colleague.first_name,
                invited_last_name=colleague.last_name,
                invited_email=email,
                starts_on=starts_on,
                ends_on=ends_on,
                created_by=cast("User", actor.user),
                **normalize(rights),
            )
    except IntegrityError:
        raise DelegationError("Une délégation est déjà en cours pour ce médecin : modifiez-la plutôt.") from None
    _journal(actor, Action.DELEGATION_ADDED, delegation, detail=_summary(delegation))
    _invite(actor, delegation)
    return delegation


def renewal_terms(delegation: Delegation, *, today: datetime.date | None = None) -> dict[str, Any]:
    """« Renouveler » an ended delegation: its rights, from today for as long as it lasted (the form's initial)."""
    today = today or timezone.localdate()
    terms: dict[str, Any] = {field: value for field, value in normalize(delegation.rights).items() if value}
    terms["starts_on"] = today
    if delegation.ends_on is not None:
        terms["ends_on"] = today + (delegation.ends_on - delegation.starts_on)
    return terms


def _validity(delegation: Delegation) -> str:
    end = f" au {delegation.ends_on:%d/%m/%Y}" if delegation.ends_on else ", sans date de fin"
    return f"du {delegation.starts_on:%d/%m/%Y}{end}"


def _summary(delegation: Delegation) -> str:
    return f"Droits : {', '.join(delegation.rights_labels())} ; {_validity(delegation)}"


def _terms(delegation: Delegation) -> list[tuple[str, str]]:
    """What the modification mail compares, one line each: (label, value)."""
    return [("Droits", ", ".join(delegation.rights_labels())), ("Validité", _validity(delegation))]


def suspension_reason(delegation: Delegation) -> str:
    """Why the delegation is, or must at once be, suspended: its delegate or its doctor left the national directory
    (struck off, retired, deceased). "" when neither did."""
    if delegation.state == State.SUSPENDED:
        return delegation.suspension_reason
    if left_directory(delegation.doctor):
        return (
            f"Le médecin {delegation.doctor.display_name} n'est plus inscrit "
            "à l'annuaire national des professionnels de santé."
        )
    delegate = delegation.colleague if delegation.colleague_id else None
    if delegate is None and delegation.delegate_id:
        delegate = delegation.delegate.professional  # type: ignore[union-attr]  # delegate_id is set
    if delegate is not None and left_directory(delegate):
        who = "Le médecin " if delegate.is_doctor else ""
        return f"{who}{delegate.display_name} n'est plus inscrit(e) à l'annuaire national des professionnels de santé."
    return ""


def _refuse_if_suspended(delegation: Delegation, doing: str) -> None:
    reason = suspension_reason(delegation)
    if reason:
        raise DelegationError(
            f"{reason} La délégation est suspendue : vous ne pouvez plus {doing}. Si cette personne figure de "
            "nouveau à l'annuaire, ajoutez une nouvelle délégation."
        )


def _own(actor: "Actor", delegation_id: int) -> Delegation:
    doctor = _manager(actor)
    delegation = Delegation.objects.select_for_update().filter(pk=delegation_id, doctor=doctor).first()
    if delegation is None:
        raise PermissionDenied("not_yours")
    return delegation


@transaction.atomic
def resend_invitation(*, actor: "Actor", delegation_id: int) -> Delegation:
    delegation = _own(actor, delegation_id)
    _refuse_if_suspended(delegation, "renvoyer l'invitation")
    if delegation.effective_state != State.PENDING:
        raise DelegationError("Seule une délégation en attente peut être renvoyée.")
    _journal(actor, Action.DELEGATION_RESENT, delegation)
    _invite(actor, delegation)
    return delegation


@transaction.atomic
def modify_delegation(
    *,
    actor: "Actor",
    delegation_id: int,
    rights: Sequence[str],
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> Delegation:
    delegation = _own(actor, delegation_id)
    _refuse_if_suspended(delegation, "la modifier ni la prolonger")
    if delegation.effective_state not in LIVE_STATES:
        raise DelegationError("Cette délégation n'est plus modifiable.")
    _check(delegation.kind, rights, starts_on, ends_on)
    before, terms_before = _summary(delegation), _terms(delegation)
    for field, value in normalize(rights).items():
        setattr(delegation, field, value)
    if ends_on != delegation.ends_on:
        delegation.reminder_sent_on = None  # a new end date deserves its own reminder
    delegation.starts_on, delegation.ends_on = starts_on, ends_on
    after = _summary(delegation)
    if before == after:
        return delegation
    delegation.updated_at = timezone.now()
    delegation.save()
    entry = _journal(
        actor,
        Action.DELEGATION_MODIFIED,
        delegation,
        changes=[{"field": "delegation", "label": "Délégation", "old": before, "new": after}],
    )
    # « Droits : avant → après » for what changed; what did not is said once, as it stands.
    lines = [
        {"label": label, "old": old, "new": new}
        for (label, old), (_, new) in zip(terms_before, _terms(delegation), strict=True)
    ]
    mails.queue("modified", key=str(entry.pk), to=delegation.invited_email, delegation=delegation, lines=lines)
    return delegation


@transaction.atomic
def delete_delegation(*, actor: "Actor", delegation_id: int) -> Delegation:
    delegation = _own(actor, delegation_id)
    if delegation.state == State.DELETED:
        raise DelegationError("Cette délégation est déjà supprimée.")
    notify = delegation.state in LIVE_STATES
    # A person who never accepted had no delegation: she is told the invitation was withdrawn.
    mail = "withdrawn" if delegation.state == State.PENDING else "deleted"
    delegation.state = State.DELETED
    delegation.deleted_at = delegation.updated_at = timezone.now()
    delegation.save()
    delegation.invitations.open().update(revoked_at=timezone.now())
    _journal(actor, Action.DELEGATION_DELETED, delegation)
    if notify:
        mails.queue(mail, key="1", to=delegation.invited_email, delegation=delegation)
    return delegation


# --- The delegate's side ------------------------------------------------------------------------


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("delegation", "delegation__doctor", "delegation__colleague")
        .filter(token_hash=_hash(token))
        .first()
    )


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a mailed link cannot be answered, in the invited person's words; None when it can. Each case apart: the
    person knows whether to do nothing (already answered), look for a newer mail, or ask the doctor."""
    if invitation is None:
        return "Ce lien d'invitation n'est pas valable : vérifiez qu'il a été copié en entier depuis le courriel reçu."
    delegation = invitation.delegation
    doctor = delegation.doctor.display_name
    if invitation.used_at is not None:
        return (
            f"Ce lien a déjà servi : vous avez répondu à cette invitation le {_date(invitation.used_at)}. "
            "Vos délégations sont dans « Délégations reçues »."
        )
    if delegation.state == State.SUSPENDED:
        return f"{delegation.suspension_reason} La délégation est suspendue : cette invitation ne vaut plus."
    if delegation.state == State.DELETED:
        return (
            f"Le médecin {doctor} a retiré cette invitation le {_date(delegation.deleted_at)} : "
            "elle ne peut plus être acceptée."
        )
    if invitation.revoked_at is not None:
        return (
            "Ce lien a été remplacé par une invitation plus récente : suivez le lien du dernier courriel reçu "
            f"du médecin {doctor}."
        )
    if not invitation.is_usable:
        return (
            f"Cette invitation a expiré le {_date(invitation.expires_at)} : "
            f"demandez au médecin {doctor} de vous la renvoyer."
        )
    if delegation.effective_state != State.PENDING:
        return "Cette délégation n'est plus en attente de réponse."
    return None


def _date(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y}" if moment else ""


def identity_matches(actor: "Actor", delegation: Delegation) -> bool:
    """Only the invited person: the selected doctor (same RPPS), or the assistant of that name."""
    if actor.card_type not in DELEGATE_CARD_TYPES:
        return False
    if KINDS[Kind(delegation.kind)].invitee == FROM_DIRECTORY:
        return actor.is_doctor and actor.professional.pk == delegation.colleague_id  # type: ignore[union-attr]  # a doctor has his entry
    user = cast("User", actor.user)  # a card holder, logged in
    return person_key(user.first_name, user.last_name) == delegation.invited_key


MISMATCH_DETAIL = "identité différente de l'invitation"


def note_other_person(*, actor: "Actor", delegation: Delegation) -> bool:
    """The invitation's link opened by someone who is not the invited person: journaled as his attempt to accept
    it is (the invitation stays pending). False when the actor is the invited person. The delegation's own doctor
    opening the link he sent is no such attempt: not journaled."""
    if identity_matches(actor, delegation):
        return False
    if actor.professional is None or actor.professional.pk != delegation.doctor_id:
        with transaction.atomic():
            _journal(actor, Action.DELEGATION_ACCEPT_DENIED, delegation, detail=MISMATCH_DETAIL)
    return True


def _answerable(actor: "Actor", delegation_id: int, token: str | None) -> tuple[Delegation, Invitation | None]:
    delegation = Delegation.objects.select_for_update().select_related("doctor").get(pk=delegation_id)
    invitation = None
    if token is not None:
        invitation = Invitation.objects.select_for_update().filter(token_hash=_hash(token)).first()
        if invitation is None or invitation.delegation_id != delegation.pk or not invitation.is_usable:
            raise DelegationError("Ce lien d'invitation n'est plus valable.")
    if delegation.effective_state != State.PENDING:
        raise DelegationError("Cette délégation n'est plus en attente de réponse.")
    if actor.professional is not None and actor.professional.pk == delegation.doctor_id:
        raise DelegationError("Vous ne pouvez pas accepter une délégation de vous-même.")
    if left_directory(actor.professional):
        # An assistant whose card is tied to a directory entry that became inactive.
        raise DelegationError(
            "Votre inscription à l'annuaire national des professionnels de santé n'est plus active : vous ne pouvez "
            "pas accepter cette délégation."
        )
    reason = suspension_reason(delegation)
    if reason:
        raise DelegationError(f"{reason} Cette invitation ne peut plus être acceptée.")
    if not identity_matches(actor, delegation):
        raise IdentityMismatch(delegation)
    if (
        token is None
        and KINDS[Kind(delegation.kind)].invitee == BY_NAME
        and (
            not cast("User", actor.user).email
            or cast("User", actor.user).email.lower() != delegation.invited_email.lower()
        )
    ):
        # Without the mailed link, a name alone is not enough: homonyms exist.
        raise DelegationError("Pour répondre, suivez le lien reçu par courriel.")
    if invitation is None and not delegation.invitations.usable().exists():
        raise DelegationError("L'invitation a expiré : demandez au médecin de vous la renvoyer.")
    return delegation, invitation


def _close_invitations(delegation: Delegation) -> None:
    delegation.invitations.open().update(used_at=timezone.now())


def _answer(actor: "Actor", delegation_id: int, token: str | None, new_state: State, action: Action) -> Delegation:
    try:
        with transaction.atomic():
            delegation, _ = _answerable(actor, delegation_id, token)
            delegation.state = new_state
            if new_state == State.ACCEPTED:
                _expire_ended(doctor=delegation.doctor_id, delegate=cast("User", actor.user))
                # Accepting binds the delegation to this card holder.
                delegation.delegate = cast("User", actor.user)
            delegation.answered_at = delegation.updated_at = timezone.now()
            delegation.save()
            _close_invitations(delegation)
            _journal(actor, action, delegation)
    except IdentityMismatch as mismatch:
        # Journaled apart: the refused attempt must stay in the history, the invitation stays pending.
        with transaction.atomic():
            _journal(
                actor,
                Action.DELEGATION_ACCEPT_DENIED,
                mismatch.delegation,
                detail=MISMATCH_DETAIL,
            )
        raise
    except IntegrityError:
        raise DelegationError("Une délégation de ce médecin est déjà en cours pour vous.") from None
    return delegation


def accept_delegation(*, actor: "Actor", delegation_id: int, token: str | None = None) -> Delegation:
    return _answer(actor, delegation_id, token, State.ACCEPTED, Action.DELEGATION_ACCEPTED)


def refuse_delegation(*, actor: "Actor", delegation_id: int, token: str | None = None) -> Delegation:
    return _answer(actor, delegation_id, token, State.REFUSED, Action.DELEGATION_REFUSED)


# --- Expiry (daily command) -----------------------------------------------------------------------

REMINDER_DAYS = 7


def _notify_both(kind: str, delegation: Delegation, *, key: str) -> None:
    """The delegate, and the doctor when the directory has his address."""
    mails.queue(kind, key=f"{key}-delegate", to=delegation.invited_email, delegation=delegation)
    if delegation.doctor.first_email:
        mails.queue(kind, key=f"{key}-doctor", to=delegation.doctor.first_email, delegation=delegation)


def _expire(delegation_id: int) -> int:
    """Stores a live delegation past its end date as expired, as the daily command does (1), or nothing (0)."""
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation_id)
        if delegation.state not in LIVE_STATES:
            return 0
        delegation.state = State.EXPIRED
        delegation.updated_at = timezone.now()
        delegation.save()
        _journal(None, Action.DELEGATION_EXPIRED, delegation)
        _notify_both("expired", delegation, key=str(delegation.ends_on))
        return 1


def _expire_ended(**person: Any) -> None:
    """Expired today but still live in the database (the daily command has not run): stored expired now, before a
    new delegation to the same person takes the live slot the database keeps for one."""
    ended = Delegation.objects.live().filter(ends_on__lt=timezone.localdate(), **person)
    for delegation_id in ended.values_list("pk", flat=True):
        _expire(delegation_id)


def expire_and_remind(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Mark delegations past their end date expired and warn, 7 days before, those about to end."""
    today = today or timezone.localdate()
    expired = reminded = 0
    for delegation_id in Delegation.objects.live().filter(ends_on__lt=today).values_list("pk", flat=True):
        expired += _expire(delegation_id)
    soon = today + datetime.timedelta(days=REMINDER_DAYS)
    # Up to 7 days ahead, not exactly 7: a day the command did not run must not lose a reminder.
    for delegation_id in Delegation.objects.filter(
        state=State.ACCEPTED, ends_on__gte=today, ends_on__lte=soon, reminder_sent_on__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            delegation = Delegation.objects.select_for_update().get(pk=delegation_id)
            delegation.reminder_sent_on = today
            delegation.save(update_fields=["reminder_sent_on"])
            _journal(None, Action.DELEGATION_REMINDED, delegation)
            _notify_both("ending", delegation, key=str(delegation.ends_on))
            reminded += 1
    return expired, reminded


# --- Suspension: a delegate or a doctor left the national directory ---------------------------------------


def _to_suspend(today: datetime.date) -> "QuerySet[Delegation]":
    """Live delegations, not past their end, whose doctor, invited colleague or bound delegate is inactive in the
    directory."""
    return (
        Delegation.objects.live()
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(Q(doctor__is_active=False) | Q(colleague__is_active=False) | Q(delegate__professional__is_active=False))
    )


def _doctor_email(doctor: "Professional") -> str:
    """The doctor's account address, else the directory's."""
    try:
        email: str = doctor.user.email
    except ObjectDoesNotExist:
        email = ""
    return email or doctor.first_email


@transaction.atomic
def suspend_delegation(*, delegation_id: int) -> Delegation | None:
    """Suspend one delegation whose delegate or doctor left the directory: terminal (nothing brings it back), its
    links revoked, journaled, and the other side told by mail. None when there is nothing to suspend."""
    delegation = (
        Delegation.objects.select_for_update(of=("self",))
        .select_related("doctor", "colleague", "delegate__professional")
        .filter(pk=delegation_id)
        .first()
    )
    if delegation is None or delegation.state not in LIVE_STATES:
        return None
    reason = suspension_reason(delegation)
    if not reason:
        return None
    now = timezone.now()
    delegation.state = State.SUSPENDED
    delegation.suspension_reason = reason
    delegation.suspended_at = delegation.updated_at = now
    delegation.save()
    delegation.invitations.open().update(revoked_at=now)
    _journal(None, Action.DELEGATION_SUSPENDED, delegation, detail=reason)
    if left_directory(delegation.doctor):
        # The delegate loses access to the dossiers of a doctor who left: he is told why.
        mails.queue("suspended", key="delegate", to=delegation.invited_email, delegation=delegation, reason=reason)
    else:
        address = _doctor_email(delegation.doctor)
        if address:
            mails.queue("suspended", key="doctor", to=address, delegation=delegation, reason=reason, to_doctor=True)
    return delegation


def suspend_for_inactive_professionals(*, today: datetime.date | None = None) -> int:
    """Suspend every live delegation of people inactive in the directory: after an import (directory signal), and
    daily with expire_delegations as a catch-up, so that nothing depends on one signal being delivered. One
    transaction per delegation. Returns how many were suspended."""
    suspended = 0
    for delegation_id in _to_suspend(today or timezone.localdate()).values_list("pk", flat=True):
        if suspend_delegation(delegation_id=delegation_id) is not None:
            suspended += 1
    return suspended
