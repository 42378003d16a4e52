"""What the delegation lists show: the status derived in one place (`with_status`), one row per person, « Renouveler »,
the link page's reasons, the mail that says « retirée » to a person who never accepted."""

import datetime
import html
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from delegations import authz, mails, selectors, services
from delegations.models import STATUS_BADGES, Delegation, Invitation, Kind, State, Status
from outbox.models import Message
from tests.conftest import actor_for, login_client, make_delegation
from tests.factories import CardFactory, DelegationFactory, DoctorUserFactory, UserFactory

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def link(delegation: Delegation, *, expires_in: datetime.timedelta = DAY, **fields) -> Invitation:
    return Invitation.objects.create(
        delegation=delegation,
        token_hash=f"{delegation.pk}-{timezone.now().timestamp()}-{Invitation.objects.count()}",
        expires_at=timezone.now() + expires_in,
        **fields,
    )


def status_of(delegation: Delegation) -> Status:
    return Delegation.objects.with_status().get(pk=delegation.pk).status


@pytest.mark.django_db
def test_each_status(martin, sophie):
    pending = make_delegation(martin, sophie, state=State.PENDING)
    link(pending)
    assert status_of(pending) == Status.PENDING
    Invitation.objects.filter(delegation=pending).update(expires_at=timezone.now() - DAY)
    assert status_of(pending) == Status.INVITATION_EXPIRED
    # Past its end date, « Expirée » wins over the link.
    Delegation.objects.filter(pk=pending.pk).update(ends_on=TODAY() - DAY, starts_on=TODAY() - 3 * DAY)
    assert status_of(pending) == Status.EXPIRED

    accepted = make_delegation(martin, CardFactory(card_type="CPA"), starts_on=TODAY() + 3 * DAY)
    assert status_of(accepted) == Status.UPCOMING
    Delegation.objects.filter(pk=accepted.pk).update(starts_on=TODAY())
    assert status_of(accepted) == Status.ACCEPTED
    for state in (State.REFUSED, State.DELETED, State.SUSPENDED):
        Delegation.objects.filter(pk=accepted.pk).update(state=state)
        assert status_of(accepted) == state.value


@pytest.mark.django_db
def test_status_without_the_annotation_is_read_again(martin, sophie):
    delegation = make_delegation(martin, sophie, starts_on=TODAY() + DAY)
    assert not hasattr(delegation, "shown_status")
    assert delegation.status == Status.UPCOMING
    assert delegation.get_status_display() == "À venir"


def test_one_badge_per_status_never_the_dossier_draft_one():
    assert set(STATUS_BADGES) == set(Status)
    assert len(set(STATUS_BADGES.values())) == len(Status)
    assert "fr-badge--new" not in STATUS_BADGES.values()  # « En cours de saisie » of a dossier


class TestAcceptedIsInForce(HypothesisTestCase):
    """« Acceptée » (and so « Agir au nom de ») exactly when authz gives the delegation to its delegate acting for the
    doctor (delegation_in_force, the raw SQL every delegate's request runs), not the Q the status is built from."""

    # `make mutation` runs the selection twice in one process (mutmut's « stats », then its « clean tests »): the
    # method is then called from two instances of the class, which this health check refuses.
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.differing_executors])
    # The edges, always tried: starting tomorrow, ending today.
    @example(state=State.ACCEPTED, start=1, end=None)
    @example(state=State.ACCEPTED, start=-1, end=1)
    @given(
        state=st.sampled_from(list(State)),
        start=st.integers(-5, 5),
        end=st.one_of(st.none(), st.integers(0, 6)),
    )
    def test_accepted_iff_in_force(self, state, start, end):
        doctor = DoctorUserFactory().professional
        delegation = DelegationFactory(doctor=doctor, state=State.ACCEPTED)
        starts_on = TODAY() + datetime.timedelta(days=start)
        ends_on = None if end is None else starts_on + datetime.timedelta(days=end)
        Delegation.objects.filter(pk=delegation.pk).update(state=state, starts_on=starts_on, ends_on=ends_on)
        acting = actor_for(CardFactory(holder=delegation.delegate), acting_for_id=doctor.pk)
        in_force = authz.delegation_in_force(acting) is not None
        assert (status_of(delegation) == Status.ACCEPTED) == in_force
        assert (status_of(delegation) == Status.UPCOMING) == (state == State.ACCEPTED and start > 0)


@pytest.mark.django_db
def test_a_new_invitation_replaces_the_old_row(martin, sophie):
    old = make_delegation(martin, sophie, state=State.REFUSED)
    new = make_delegation(martin, sophie, state=State.PENDING)
    Delegation.objects.filter(pk=old.pk).update(created_at=timezone.now() - DAY)
    other = make_delegation(martin, CardFactory(card_type="CPA", holder=UserFactory(first_name="Marc")))
    sections = selectors.granted_sections(martin.holder.professional)
    rows = [d.pk for section in sections["sections"] for d in section["rows"]] + [d.pk for d in sections["deleted"]]
    assert sorted(rows) == sorted([new.pk, other.pk])
    assert [d.pk for d in selectors.earlier_delegations(new)] == [old.pk]
    # The delegate's side: one row per doctor, the newest.
    assert [d.pk for d in selectors.received_rows(actor_for(sophie))] == [new.pk]
    # The old row stays reachable: the detail page lists it.
    page = text(login_client(martin).get(f"/delegations/{new.pk}/"))
    assert "Délégations précédentes à cette personne" in page and "Refusée" in page


@pytest.mark.django_db
def test_a_deleted_row_is_replaced_too(martin, sophie):
    old = make_delegation(martin, sophie, state=State.DELETED)
    Delegation.objects.filter(pk=old.pk).update(created_at=timezone.now() - DAY)
    make_delegation(martin, sophie, state=State.PENDING)
    assert selectors.granted_sections(martin.holder.professional)["deleted"] == []


@pytest.mark.django_db
def test_the_list_names_the_mail_sent(martin, sophie, django_capture_on_commit_callbacks):
    doctor = login_client(martin)
    with django_capture_on_commit_callbacks(execute=True):
        delegation = services.add_assistant(
            actor=actor_for(martin),
            first_name="Sophie",
            last_name="Bernard",
            email="sophie.bernard@example.org",
            rights=["consult"],
            starts_on=TODAY(),
        )
    Message.objects.update(state="sent", sent_at=timezone.now())
    assert "Courriel d'invitation envoyé le" in text(doctor.get("/delegations/"))
    with django_capture_on_commit_callbacks(execute=True):
        services.modify_delegation(
            actor=actor_for(martin),
            delegation_id=delegation.pk,
            rights=["consult", "edit"],
            starts_on=TODAY(),
            ends_on=None,
        )
    Message.objects.update(state="sent", sent_at=timezone.now())
    assert "Courriel de modification envoyé le" in text(doctor.get("/delegations/"))


def test_mail_kind_from_its_key():
    assert mails.mail_kind(Message(idempotency_key="delegation-3-ending-2026-01-01-delegate")) == "Courriel de rappel"
    assert mails.mail_kind(Message(idempotency_key="delegation-3-invitation-9")) == "Courriel d'invitation"
    assert mails.mail_kind(Message(idempotency_key="other-1")) == "Courriel"


@pytest.mark.django_db
def test_withdrawn_not_deleted_for_who_never_accepted(martin, sophie, django_capture_on_commit_callbacks):
    pending = make_delegation(martin, sophie, state=State.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = login_client(martin).post(f"/delegations/{pending.pk}/supprimer/", follow=True)
    assert "L'invitation à Sophie BERNARD a été retirée." in text(response)
    mail = Message.objects.get()
    assert mail.subject == "Délégation de droits : le médecin Jean MARTIN a retiré son invitation"
    assert "votre délégation" not in mail.body_text and "a retiré l'invitation" in mail.body_text

    accepted = make_delegation(martin, CardFactory(card_type="CPA"))
    services.delete_delegation(actor=actor_for(martin), delegation_id=accepted.pk)
    assert Message.objects.filter(subject__contains="a supprimé votre délégation").exists()


@pytest.mark.django_db
def test_the_link_page_says_which_case(martin, sophie):
    delegation = make_delegation(martin, sophie, state=State.PENDING)
    invitation = link(delegation)
    assert services.invitation_problem(invitation) is None
    assert "expiré" in services.invitation_problem(link(delegation, expires_in=-DAY))
    assert "remplacé par une invitation plus récente" in services.invitation_problem(
        link(delegation, revoked_at=timezone.now())
    )
    assert "déjà servi" in services.invitation_problem(link(delegation, used_at=timezone.now()))
    assert "n'est pas valable" in services.invitation_problem(None)
    services.delete_delegation(actor=actor_for(martin), delegation_id=delegation.pk)
    invitation.refresh_from_db()
    assert "Le médecin Jean MARTIN a retiré cette invitation le" in services.invitation_problem(invitation)


@pytest.mark.django_db
def test_renewal_terms_keep_rights_and_length(martin, sophie):
    old = make_delegation(
        martin,
        sophie,
        state=State.EXPIRED,
        rights=("consult", "edit"),
        starts_on=TODAY() - 40 * DAY,
        ends_on=TODAY() - 10 * DAY,
    )
    terms = services.renewal_terms(old)
    assert terms == {"can_consult": True, "can_edit": True, "starts_on": TODAY(), "ends_on": TODAY() + 30 * DAY}


@pytest.mark.django_db
def test_renew_prefills_the_form(martin, sophie, dubois):
    doctor = login_client(martin)
    refused = make_delegation(martin, sophie, state=State.REFUSED, rights=("consult", "edit"))
    page = doctor.get(refused.renew_url).content.decode()
    assert 'value="Sophie"' in page and 'value="sophie.bernard@example.org"' in page
    assert re.search(r'name="can_edit"[^>]*checked|checked[^>]*name="can_edit"', page)
    assert not re.search(r'name="can_create"[^>]*checked|checked[^>]*name="can_create"', page)

    colleague = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, state=State.EXPIRED, ends_on=TODAY() - DAY)
    page = doctor.get(colleague.renew_url).content.decode()
    assert "Médecin sélectionné : Claire DUBOIS" in html.unescape(page)
    assert re.search(r'name="ends_on"[^>]*value="\d{4}-\d\d-\d\d"', page)
    # A live delegation, or another doctor's, is no template to renew.
    live = make_delegation(martin, CardFactory(card_type="CPA"))
    assert (
        'value="' + live.invited_first_name
        not in doctor.get(f"/delegations/assistant/ajouter/?renouveler={live.pk}").content.decode()
    )
    assert login_client(dubois).get(f"/delegations/assistant/ajouter/?renouveler={refused.pk}").status_code == 404


@pytest.mark.django_db
def test_lists_show_status_and_the_actions_it_allows(martin, sophie, dubois):
    expired_link = make_delegation(martin, sophie, state=State.PENDING)
    link(expired_link, expires_in=-DAY)
    upcoming = make_delegation(
        martin, dubois, kind=Kind.COLLEAGUE, starts_on=TODAY() + 5 * DAY, ends_on=TODAY() + 9 * DAY
    )
    page = text(login_client(martin).get("/delegations/"))
    assert "Invitation expirée" in page and "Renvoyer l'invitation à Sophie BERNARD" in page
    assert f"À venir — à partir du {upcoming.starts_on:%d/%m/%Y}" in page
    for action in ("Consulter", "Modifier", "Supprimer"):
        assert f"{action} la délégation de Claire DUBOIS" in page

    received = text(login_client(sophie).get("/delegations/recues/"))
    assert "Invitation expirée" in received and "Accepter" not in received and "Refuser" not in received
    received = text(login_client(dubois).get("/delegations/recues/"))
    assert f"À venir — à partir du {upcoming.starts_on:%d/%m/%Y}" in received and "Agir au nom" not in received


@pytest.mark.django_db
def test_ended_rows_offer_renouveler(martin, sophie, dubois):
    make_delegation(martin, sophie, state=State.REFUSED)
    make_delegation(martin, dubois, kind=Kind.COLLEAGUE, state=State.DELETED, ends_on=TODAY() + DAY)
    page = text(login_client(martin).get("/delegations/"))
    assert "Renouveler la délégation de Sophie BERNARD" in page
    assert "Renouveler la délégation de Claire DUBOIS" in page
    make_delegation(martin, CardFactory(card_type="CPA", holder=UserFactory(first_name="Marc", last_name="PETIT")))
    assert "Renouveler la délégation de Marc PETIT" not in text(login_client(martin).get("/delegations/"))


def test_live_and_awaiting_answer_sets():
    from delegations.models import AWAITING_ANSWER, LIVE_STATUSES, RENEWABLE

    assert set(AWAITING_ANSWER) < set(LIVE_STATUSES)
    assert not set(LIVE_STATUSES) & set(RENEWABLE)
    assert Status.SUSPENDED not in LIVE_STATUSES + RENEWABLE  # terminal: a new delegation once the person is back


def listed(doctor_card) -> list[int]:
    sections = selectors.granted_sections(doctor_card.holder.professional)
    return sorted(
        [d.pk for section in sections["sections"] for d in section["rows"]] + [d.pk for d in sections["deleted"]]
    )


@pytest.mark.django_db
def test_a_delegation_in_force_stays_listed_beside_a_namesake(martin, sophie):
    """One live delegation per person is decided by the address: a namesake invited at another one is another
    person, and the delegation in force stays in MES DELEGATIONS."""
    first = make_delegation(martin, sophie)
    Delegation.objects.filter(pk=first.pk).update(created_at=timezone.now() - DAY)
    namesake = CardFactory(
        assistant=True, holder__first_name="Sophie", holder__last_name="Bernard", holder__email="s.bernard@example.net"
    )
    second = make_delegation(martin, namesake)
    assert listed(martin) == sorted([first.pk, second.pk])


@pytest.mark.django_db
def test_a_delegation_in_force_stays_in_the_delegates_list(martin, dubois):
    """The doctor invites by name, at her account's address, a colleague who already acts for him: « Agir au nom
    de » stays offered on the delegation in force."""
    dubois.holder.email = "claire.dubois@example.org"
    dubois.holder.save()
    in_force = make_delegation(martin, dubois, kind=Kind.COLLEAGUE)
    Delegation.objects.filter(pk=in_force.pk).update(created_at=timezone.now() - DAY)
    invited = make_delegation(martin, dubois, kind=Kind.ASSISTANT, state=State.PENDING)
    assert sorted(d.pk for d in selectors.received_rows(actor_for(dubois))) == sorted([in_force.pk, invited.pk])
    page = text(login_client(dubois).get("/delegations/recues/"))
    assert "Agir au nom" in page


@pytest.mark.django_db
def test_an_ended_row_is_replaced_by_the_same_person_however_invited(martin, sophie):
    """Renewed at the same address, the expired row the person accepted is replaced by the new invitation."""
    old = make_delegation(martin, sophie, state=State.EXPIRED, starts_on=TODAY() - 9 * DAY, ends_on=TODAY() - DAY)
    Delegation.objects.filter(pk=old.pk).update(created_at=timezone.now() - DAY)
    new = make_delegation(martin, sophie, state=State.PENDING)
    assert listed(martin) == [new.pk]
    assert [d.pk for d in selectors.earlier_delegations(new)] == [old.pk]


@pytest.mark.django_db
def test_renewing_the_morning_after_the_end_date(martin, sophie, dubois):
    """Past its end date, a delegation is « Expirée » with « Renouveler » before the daily command stores it so:
    renewing it adds the new delegation (the old one stored expired), the new invitation can be accepted."""
    ended = {"starts_on": TODAY() - 9 * DAY, "ends_on": TODAY() - DAY}
    assistant = make_delegation(martin, sophie, **ended)
    colleague = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, **ended)
    assert status_of(assistant) == Status.EXPIRED and assistant.is_renewable
    doctor = martin.holder.professional
    assert selectors.live_delegation_to(doctor, kind=Kind.ASSISTANT, email=sophie.holder.email) is None
    assert selectors.live_delegation_to(doctor, colleague=dubois.holder.professional) is None
    page = text(login_client(martin).get(f"/delegations/assistant/ajouter/?renouveler={assistant.pk}"))
    assert "déjà en cours" not in page
    renewed = services.add_assistant(
        actor=actor_for(martin),
        first_name="Sophie",
        last_name="Bernard",
        email=sophie.holder.email,
        rights=["consult"],
        starts_on=TODAY(),
        ends_on=TODAY() + 9 * DAY,
    )
    services.add_colleague(
        actor=actor_for(martin),
        colleague=dubois.holder.professional,
        email="claire.dubois@example.org",
        rights=["consult"],
        starts_on=TODAY(),
        ends_on=TODAY() + 9 * DAY,
    )
    for old in (assistant, colleague):
        old.refresh_from_db()
        assert old.state == State.EXPIRED
    services.accept_delegation(actor=actor_for(sophie), delegation_id=renewed.pk)
    assert Delegation.objects.get(pk=renewed.pk).state == State.ACCEPTED


@pytest.mark.django_db
def test_accepting_while_the_ended_delegation_is_still_stored_live(martin, sophie):
    make_delegation(martin, sophie, starts_on=TODAY() - 9 * DAY, ends_on=TODAY() - DAY)
    new = make_delegation(martin, sophie, state=State.PENDING)
    link(new)
    services.accept_delegation(actor=actor_for(sophie), delegation_id=new.pk)
    assert Delegation.objects.get(pk=new.pk).state == State.ACCEPTED


@pytest.mark.django_db
def test_de_is_elided_before_a_name(martin):
    """« la délégation d'Anne LEFEVRE », never « de Anne »: in the list, the detail page and the « déjà en cours »
    notice."""
    anne = CardFactory(
        assistant=True, holder__first_name="Anne", holder__last_name="Lefevre", holder__email="a@example.org"
    )
    live = make_delegation(martin, anne)
    ended = make_delegation(martin, anne, state=State.REFUSED)
    doctor = login_client(martin)
    notice = doctor.post(
        "/delegations/assistant/ajouter/",
        {
            "first_name": "Anne",
            "last_name": "Lefevre",
            "email": "a@example.org",
            "starts_on": TODAY().strftime("%d/%m/%Y"),
        },
    )
    for page in (doctor.get("/delegations/"), doctor.get(f"/delegations/{ended.pk}/"), notice):
        shown = text(page)
        assert "délégation d'Anne LEFEVRE" in shown and "de Anne" not in shown, shown
    assert "Modifier la délégation d'Anne LEFEVRE" in text(notice) and "Acceptée" in text(notice)
    assert live.pk
