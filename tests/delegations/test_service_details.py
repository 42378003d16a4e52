"""The services' details that the flows through the views do not reach: the daily command's counts and mails, the
suspension mail's address, the exact refusals, the journaled summary, whose delegation a doctor changes."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from delegations import services
from delegations.models import Delegation, Kind, State
from delegations.policy import ENDS_BEFORE_START
from delegations.services import DelegationError, IdentityMismatch
from directory.models import Professional
from journal.models import Action, Entry
from outbox.models import Message
from tests.conftest import actor_for, make_delegation
from tests.factories import (
    CardFactory,
    DelegationFactory,
    PracticePlaceFactory,
    ProfessionalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def assistant():
    return CardFactory(assistant=True)


def keys_to(address: str) -> set[str]:
    return set(Message.objects.filter(to=address).values_list("idempotency_key", flat=True))


def test_the_daily_command_counts_what_it_did_and_mails_the_doctor_too(martin, dubois):
    """Each expiry and each reminder goes to the delegate and to the doctor's directory address; only accepted
    delegations ending within 7 days are reminded; the command says how many of each it handled."""
    PracticePlaceFactory(professional=martin.holder.professional, email="cabinet.martin@example.org")
    ended = [
        make_delegation(martin, assistant(), starts_on=TODAY() - 10 * DAY, ends_on=TODAY() - DAY) for _ in range(2)
    ]
    ending = [make_delegation(martin, assistant(), ends_on=TODAY() + days * DAY) for days in (2, 7)]
    make_delegation(martin, assistant(), state=State.PENDING, ends_on=TODAY() + 3 * DAY)  # not accepted: no reminder
    make_delegation(martin, assistant(), ends_on=TODAY() + 30 * DAY)  # not yet
    # Two people who left the directory: a colleague, and an assistant whose card is tied to a directory entry.
    colleague = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY() + 30 * DAY)
    Professional.objects.filter(pk=dubois.holder.professional.pk).update(is_active=False)
    nurse = ProfessionalFactory(nurse=True, first_name="Lise", last_name="PETIT", is_active=False)
    lise = UserFactory(professional=nurse, email="lise@example.org")
    tied = make_delegation(martin, CardFactory(card_type="CPE", holder=lise))
    out = io.StringIO()
    call_command("expire_delegations", stdout=out)
    assert out.getvalue().strip() == "2 délégation(s) expirée(s), 2 rappel(s) envoyé(s), 2 suspendue(s)."
    assert [d.state for d in Delegation.objects.filter(pk__in=[d.pk for d in ended])] == [State.EXPIRED] * 2
    assert keys_to("cabinet.martin@example.org") == {
        *(f"delegation-{d.pk}-expired-{d.ends_on}-doctor" for d in ended),
        *(f"delegation-{d.pk}-ending-{d.ends_on}-doctor" for d in ending),
    }
    assert Entry.objects.filter(action=Action.DELEGATION_REMINDED).count() == 2
    # The delegates left: the doctor is told why, at his account's address, which comes before the directory's.
    assert len(keys_to("jean.martin@example.org")) == 2
    gone = "n'est plus inscrit(e) à l'annuaire national des professionnels de santé."
    colleague.refresh_from_db()
    tied.refresh_from_db()
    assert colleague.suspension_reason == f"Le médecin Claire DUBOIS {gone}"
    assert tied.suspension_reason == f"{nurse.display_name} {gone}"  # not a médecin


def test_a_doctor_without_an_account_is_told_of_a_suspension_at_his_directory_address():
    doctor = ProfessionalFactory()
    PracticePlaceFactory(professional=doctor, email="cabinet@example.org")
    left = UserFactory(professional=ProfessionalFactory(is_active=False))
    delegation = DelegationFactory(doctor=doctor, created_by=UserFactory(), delegate=left)
    assert services.suspend_for_inactive_professionals() == 1
    assert keys_to("cabinet@example.org") == {f"delegation-{delegation.pk}-suspended-doctor"}


def test_someone_else_answering_is_told_the_invitation_is_for_another_person(martin, sophie):
    pending = make_delegation(martin, sophie, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(pending)
    with pytest.raises(IdentityMismatch) as refused:
        services.accept_delegation(actor=actor_for(assistant()), delegation_id=pending.pk, token=token)
    assert str(refused.value) == (
        "Cette invitation est destinée à une autre personne : seule la personne invitée peut y répondre."
    )
    # Opening the link is journaled as an attempt too.
    assert services.note_other_person(actor=actor_for(assistant()), delegation=pending) is True
    denied = Entry.objects.filter(action=Action.DELEGATION_ACCEPT_DENIED, delegation=pending)
    assert [entry.detail for entry in denied] == ["identité différente de l'invitation"] * 2


def test_a_suspended_delegation_s_refusal_says_what_to_do(martin, dubois):
    accepted = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY() + DAY)
    Professional.objects.filter(pk=dubois.holder.professional.pk).update(is_active=False)
    with pytest.raises(DelegationError) as refused:
        services.resend_invitation(actor=actor_for(martin), delegation_id=accepted.pk)
    assert str(refused.value).endswith(
        "La délégation est suspendue : vous ne pouvez plus renvoyer l'invitation. Si cette personne figure de "
        "nouveau à l'annuaire, ajoutez une nouvelle délégation."
    )


def test_the_journal_names_every_right_given_and_an_end_before_the_start_is_refused(martin):
    starts_on = TODAY() + 10 * DAY
    terms = {"first_name": "Lise", "last_name": "Petit", "email": "lise@example.org", "starts_on": starts_on}
    with pytest.raises(DelegationError, match=ENDS_BEFORE_START):
        services.add_assistant(actor=actor_for(martin), rights=["consult"], ends_on=starts_on - DAY, **terms)
    delegation = services.add_assistant(actor=actor_for(martin), rights=["consult", "edit"], ends_on=None, **terms)
    entry = Entry.objects.get(action=Action.DELEGATION_ADDED, delegation=delegation)
    assert entry.detail == (
        f"Droits : Consulter les dossiers, Modifier les dossiers ; du {starts_on:%d/%m/%Y}, sans date de fin"
    )


def test_a_doctor_changes_the_delegation_he_names_and_only_his_own(martin, dubois):
    first, second = make_delegation(martin, assistant()), make_delegation(martin, assistant())
    services.delete_delegation(actor=actor_for(martin), delegation_id=first.pk)  # the older one
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (State.DELETED, State.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.delete_delegation(actor=actor_for(dubois), delegation_id=second.pk)
    second.refresh_from_db()
    assert second.state == State.ACCEPTED


def test_why_a_link_cannot_be_answered_each_case_in_full(martin, sophie):
    """The invited person's words for each dead link, with the date that tells her what happened."""
    moment = datetime.datetime(2026, 3, 14, 9, 0, tzinfo=datetime.UTC)  # 10:00 in Paris
    pending = make_delegation(martin, sophie, state=State.PENDING, starts_on=TODAY())
    _, invitation = services._new_invitation(pending)
    assert services.invitation_problem(None) == (
        "Ce lien d'invitation n'est pas valable : vérifiez qu'il a été copié en entier depuis le courriel reçu."
    )
    assert services.invitation_problem(invitation) is None
    invitation.revoked_at = moment
    assert services.invitation_problem(invitation) == (
        "Ce lien a été remplacé par une invitation plus récente : suivez le lien du dernier courriel reçu "
        "du médecin Jean MARTIN."
    )
    invitation.used_at = moment
    assert services.invitation_problem(invitation) == (
        "Ce lien a déjà servi : vous avez répondu à cette invitation le 14/03/2026. "
        "Vos délégations sont dans « Délégations reçues »."
    )
    invitation.used_at = invitation.revoked_at = None
    pending.state, pending.deleted_at = State.DELETED, moment
    assert services.invitation_problem(invitation) == (
        "Le médecin Jean MARTIN a retiré cette invitation le 14/03/2026 : elle ne peut plus être acceptée."
    )
    pending.state = State.REFUSED
    assert services.invitation_problem(invitation) == "Cette délégation n'est plus en attente de réponse."


def test_an_invitation_from_a_doctor_who_left_cannot_be_accepted_before_the_sweep(martin, sophie):
    pending = make_delegation(martin, sophie, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(pending)
    Professional.objects.filter(pk=martin.holder.professional.pk).update(is_active=False)
    with pytest.raises(DelegationError) as refused:
        services.accept_delegation(actor=actor_for(sophie), delegation_id=pending.pk, token=token)
    assert str(refused.value) == (
        "Le médecin Jean MARTIN n'est plus inscrit à l'annuaire national des professionnels de santé. "
        "Cette invitation ne peut plus être acceptée."
    )
    pending.refresh_from_db()
    assert pending.state == State.PENDING


def test_an_assistant_tied_to_an_inactive_directory_entry_is_told_why_she_cannot_accept(martin):
    holder = UserFactory(
        first_name="Lise",
        last_name="Petit",
        email="lise@example.org",
        professional=ProfessionalFactory(is_active=False),
    )
    card = CardFactory(card_type="CPE", holder=holder)
    pending = make_delegation(martin, card, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(pending)
    with pytest.raises(DelegationError) as refused:
        services.accept_delegation(actor=actor_for(card), delegation_id=pending.pk, token=token)
    assert str(refused.value) == (
        "Votre inscription à l'annuaire national des professionnels de santé n'est plus active : vous ne pouvez "
        "pas accepter cette délégation."
    )


def test_accepting_stores_expired_only_the_ended_delegation_that_holds_the_same_place(martin, sophie, dubois):
    """The database keeps one live delegation per doctor and delegate: accepting a new one from the same doctor
    stores the ended one expired at once; the others ended are left to the daily command (mail and journal then)."""
    ended = {"starts_on": TODAY() - 10 * DAY, "ends_on": TODAY() - DAY}
    same_place = make_delegation(martin, sophie, **ended)
    to_someone_else = make_delegation(martin, assistant(), **ended)
    from_another_doctor = make_delegation(dubois, sophie, **ended)
    pending = make_delegation(martin, sophie, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(pending)
    services.accept_delegation(actor=actor_for(sophie), delegation_id=pending.pk, token=token)
    states = {d.pk: d.state for d in Delegation.objects.all()}
    assert states[pending.pk] == State.ACCEPTED and states[same_place.pk] == State.EXPIRED
    assert states[to_someone_else.pk] == states[from_another_doctor.pk] == State.ACCEPTED


def test_an_answer_is_journaled_as_the_delegate_s_and_a_second_live_delegation_is_refused(martin, sophie):
    pending = make_delegation(martin, sophie, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(pending)
    services.accept_delegation(actor=actor_for(sophie), delegation_id=pending.pk, token=token)
    accepted = Entry.objects.get(action=Action.DELEGATION_ACCEPTED, delegation=pending)
    assert (accepted.actor, accepted.actor_name) == (sophie.holder, sophie.holder.display_name)
    # Another invitation from the same doctor while the first is live: the database keeps one live per pair.
    again = make_delegation(martin, sophie, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(again)
    with pytest.raises(DelegationError) as refused:
        services.accept_delegation(actor=actor_for(sophie), delegation_id=again.pk, token=token)
    assert str(refused.value) == "Une délégation de ce médecin est déjà en cours pour vous."
