"""Who may answer an invitation, proved on the services themselves (the views check some of it first).

- a colleague invitation is for the selected doctor only (same directory entry, CPS): another doctor holding
  the link is refused, and the attempt is journaled apart;
- `_answerable` refuses a link that is unknown, expired, replaced or made for another delegation, even when
  the view is bypassed.
"""

import datetime

import pytest
from django.utils import timezone

from delegations import services
from delegations.models import Delegation, Invitation, State
from journal.models import Action, Entry
from tests.conftest import actor_for, login_client
from tests.factories import CardFactory, DoctorUserFactory, UserFactory

TODAY = timezone.localdate


@pytest.fixture
def durand(db):
    """Another doctor of the directory, with his own CPS: not the one Dr MARTIN selected."""
    holder = DoctorUserFactory(
        first_name="Paul", last_name="DURAND", professional__first_name="Paul", professional__last_name="DURAND"
    )
    return CardFactory(card_type="CPS", holder=holder)


def invite_colleague(doctor_card, colleague_card) -> tuple[Delegation, str]:
    delegation = services.add_colleague(
        actor=actor_for(doctor_card),
        colleague=colleague_card.holder.professional,
        email="confrere@example.org",
        rights=["consult", "validate"],
        starts_on=TODAY(),
        ends_on=TODAY() + datetime.timedelta(days=30),
    )
    return delegation, fresh_link(delegation)


def invite_assistant(doctor_card, assistant_card) -> tuple[Delegation, str]:
    holder = assistant_card.holder
    delegation = services.add_assistant(
        actor=actor_for(doctor_card),
        first_name=holder.first_name,
        last_name=holder.last_name,
        email=holder.email,
        rights=["consult"],
        starts_on=TODAY(),
    )
    return delegation, fresh_link(delegation)


def fresh_link(delegation) -> str:
    """A new link (the clear token the mail would carry); the previous links are revoked."""
    token, _ = services._new_invitation(delegation)
    return token


def state_of(delegation) -> str:
    return Delegation.objects.get(pk=delegation.pk).state


# --- A confrère's identity ------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_doctor_with_the_link_cannot_accept_a_colleague_invitation(martin, dubois, durand):
    delegation, token = invite_colleague(martin, dubois)
    with pytest.raises(services.IdentityMismatch):
        services.accept_delegation(actor=actor_for(durand), delegation_id=delegation.pk, token=token)
    assert state_of(delegation) == State.PENDING
    assert Entry.objects.filter(action=Action.DELEGATION_ACCEPT_DENIED, actor=durand.holder).count() == 1
    # Nor refuse it in his colleague's place.
    with pytest.raises(services.IdentityMismatch):
        services.refuse_delegation(actor=actor_for(durand), delegation_id=delegation.pk, token=token)
    assert state_of(delegation) == State.PENDING
    # The selected doctor still can: the link was not spent by the intruder.
    services.accept_delegation(actor=actor_for(dubois), delegation_id=delegation.pk, token=token)
    assert state_of(delegation) == State.ACCEPTED
    assert Delegation.objects.get(pk=delegation.pk).delegate == dubois.holder


@pytest.mark.django_db
def test_another_doctor_posting_the_colleague_link_is_refused_in_french(martin, dubois, durand):
    delegation, token = invite_colleague(martin, dubois)
    url = f"/delegations/invitation/{token}/"
    response = login_client(durand).post(url, {"accepter": "1"})
    assert response.status_code == 403  # the page « meant for someone else », with nothing of the delegation
    assert "destinée à une autre personne" in response.content.decode()
    assert state_of(delegation) == State.PENDING
    # « Délégations reçues » does not offer it to him either.
    assert login_client(durand).post(f"/delegations/recues/{delegation.pk}/accepter/").status_code == 404
    assert state_of(delegation) == State.PENDING


@pytest.mark.django_db
def test_identity_matches_only_the_invited_person(martin, dubois, durand, sophie):
    colleague_delegation, _ = invite_colleague(martin, dubois)
    assistant_delegation, _ = invite_assistant(martin, sophie)
    dubois_cpe = CardFactory(card_type="CPE", holder=dubois.holder)
    sophie_cpf = CardFactory(card_type="CPF", holder=sophie.holder)
    namesake_cpa = CardFactory(card_type="CPA", holder=UserFactory(first_name="sophie", last_name="BERNÂRD"))
    other_cpe = CardFactory(card_type="CPE", holder=UserFactory(first_name="Sophie", last_name="Durand"))
    expected = {
        # The selected doctor with his CPS, and nobody else: not another doctor, not his own CPE.
        (colleague_delegation, dubois): True,
        (colleague_delegation, durand): False,
        (colleague_delegation, dubois_cpe): False,
        (colleague_delegation, sophie): False,
        (colleague_delegation, martin): False,
        # The assistant of that name (accents and case ignored), with a CPS, CPE or CPA card.
        (assistant_delegation, sophie): True,
        (assistant_delegation, namesake_cpa): True,
        (assistant_delegation, sophie_cpf): False,
        (assistant_delegation, other_cpe): False,
        (assistant_delegation, durand): False,
    }
    actual = {key: services.identity_matches(actor_for(key[1]), key[0]) for key in expected}
    assert actual == expected


# --- The service's own check of the link ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("answer", [services.accept_delegation, services.refuse_delegation])
def test_an_expired_link_is_refused_by_the_service(martin, sophie, answer):
    delegation, token = invite_assistant(martin, sophie)
    Invitation.objects.filter(delegation=delegation).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.DelegationError, match="n'est plus valable"):
        answer(actor=actor_for(sophie), delegation_id=delegation.pk, token=token)
    assert state_of(delegation) == State.PENDING


@pytest.mark.django_db
def test_a_replaced_link_is_refused_by_the_service_while_the_new_one_works(martin, sophie):
    delegation, old = invite_assistant(martin, sophie)
    new = fresh_link(delegation)  # as « Renvoyer l'invitation » does: the old link is revoked
    with pytest.raises(services.DelegationError, match="n'est plus valable"):
        services.accept_delegation(actor=actor_for(sophie), delegation_id=delegation.pk, token=old)
    assert state_of(delegation) == State.PENDING
    services.accept_delegation(actor=actor_for(sophie), delegation_id=delegation.pk, token=new)
    assert state_of(delegation) == State.ACCEPTED


@pytest.mark.django_db
def test_a_used_link_is_refused_by_the_service(martin, sophie):
    delegation, token = invite_assistant(martin, sophie)
    # Spent (as by a first answer), the delegation still pending: only the link's own state can refuse it.
    Invitation.objects.filter(delegation=delegation).update(used_at=timezone.now())
    with pytest.raises(services.DelegationError, match="n'est plus valable"):
        services.accept_delegation(actor=actor_for(sophie), delegation_id=delegation.pk, token=token)
    assert state_of(delegation) == State.PENDING


@pytest.mark.django_db
def test_a_link_of_another_delegation_is_refused_by_the_service(martin, dubois, sophie):
    mine, _ = invite_assistant(martin, sophie)
    _, other_token = invite_assistant(dubois, sophie)  # Sophie is invited by two doctors
    with pytest.raises(services.DelegationError, match="n'est plus valable"):
        services.accept_delegation(actor=actor_for(sophie), delegation_id=mine.pk, token=other_token)
    assert state_of(mine) == State.PENDING


@pytest.mark.django_db
def test_an_unknown_link_is_refused_by_the_service(martin, sophie):
    delegation, _ = invite_assistant(martin, sophie)
    with pytest.raises(services.DelegationError, match="n'est plus valable"):
        services.accept_delegation(actor=actor_for(sophie), delegation_id=delegation.pk, token="inconnu")
    assert state_of(delegation) == State.PENDING


# --- Answering without the link (« Délégations reçues »), and the exact messages --------------------


def refused_with(message, answer, **kwargs):
    with pytest.raises(services.DelegationError) as error:
        answer(**kwargs)
    assert str(error.value) == message


@pytest.mark.django_db
def test_without_the_link_an_assistant_must_have_the_invited_address(martin, sophie):
    delegation, _ = invite_assistant(martin, sophie)
    homonym = CardFactory(
        card_type="CPE", holder=UserFactory(first_name="Sophie", last_name="BERNARD", email="autre@example.org")
    )
    no_address = CardFactory(card_type="CPE", holder=UserFactory(first_name="Sophie", last_name="Bernard", email=""))
    for card in (homonym, no_address):
        refused_with(
            "Pour répondre, suivez le lien reçu par courriel.",
            services.accept_delegation,
            actor=actor_for(card),
            delegation_id=delegation.pk,
        )
    assert state_of(delegation) == State.PENDING
    sophie.holder.email = "Sophie.BERNARD@example.org"  # the address, whatever its case
    sophie.holder.save()
    services.accept_delegation(actor=actor_for(sophie), delegation_id=delegation.pk)
    assert state_of(delegation) == State.ACCEPTED


@pytest.mark.django_db
def test_with_the_link_the_address_of_the_account_does_not_matter(martin, sophie):
    delegation, token = invite_assistant(martin, sophie)
    sophie.holder.email = "sophie.perso@example.net"
    sophie.holder.save()
    services.accept_delegation(actor=actor_for(sophie), delegation_id=delegation.pk, token=token)
    assert state_of(delegation) == State.ACCEPTED


@pytest.mark.django_db
def test_without_the_link_a_colleague_needs_no_address(martin, dubois):
    delegation, _ = invite_colleague(martin, dubois)  # invited at confrere@example.org
    services.accept_delegation(actor=actor_for(dubois), delegation_id=delegation.pk)
    assert state_of(delegation) == State.ACCEPTED


@pytest.mark.django_db
def test_without_the_link_an_expired_invitation_is_refused(martin, sophie):
    delegation, _ = invite_assistant(martin, sophie)
    Invitation.objects.filter(delegation=delegation).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    refused_with(
        "L'invitation a expiré : demandez au médecin de vous la renvoyer.",
        services.accept_delegation,
        actor=actor_for(sophie),
        delegation_id=delegation.pk,
    )
    assert state_of(delegation) == State.PENDING


@pytest.mark.django_db
def test_the_refusals_say_what_happened(martin, sophie):
    delegation, token = invite_assistant(martin, sophie)
    refused_with(
        "Ce lien d'invitation n'est plus valable.",
        services.accept_delegation,
        actor=actor_for(sophie),
        delegation_id=delegation.pk,
        token="inconnu",
    )
    refused_with(
        "Vous ne pouvez pas accepter une délégation de vous-même.",
        services.accept_delegation,
        actor=actor_for(martin),
        delegation_id=delegation.pk,
        token=token,
    )
    services.refuse_delegation(actor=actor_for(sophie), delegation_id=delegation.pk, token=token)
    refused_with(
        "Cette délégation n'est plus en attente de réponse.",
        services.accept_delegation,
        actor=actor_for(sophie),
        delegation_id=delegation.pk,
    )
    assert state_of(delegation) == State.REFUSED
