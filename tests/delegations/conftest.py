import datetime

import pytest
from django.utils import timezone

from delegations.models import Delegation, Kind, State
from delegations.policy import FROM_DIRECTORY, KINDS
from tests.conftest import actor_for
from tests.factories import CardFactory, DoctorUserFactory, UserFactory

TODAY = timezone.localdate  # the application's date (Paris), not the machine's


@pytest.fixture
def martin(db):
    holder = DoctorUserFactory(
        first_name="Jean",
        last_name="MARTIN",
        professional__first_name="Jean",
        professional__last_name="MARTIN",
        email="jean.martin@example.org",
    )
    return CardFactory(card_type="CPS", holder=holder)


@pytest.fixture
def sophie(db):
    return CardFactory(
        card_type="CPE",
        holder=UserFactory(first_name="Sophie", last_name="Bernard", email="sophie.bernard@example.org"),
    )


@pytest.fixture
def dubois(db):
    holder = DoctorUserFactory(
        first_name="Claire", last_name="DUBOIS", professional__first_name="Claire", professional__last_name="DUBOIS"
    )
    return CardFactory(card_type="CPS", holder=holder)


def make_delegation(
    doctor_card,
    delegate_card,
    *,
    kind=Kind.ASSISTANT,
    state=State.ACCEPTED,
    rights=("consult",),
    starts_on=None,
    ends_on=None,
):
    delegate = delegate_card.holder
    return Delegation.objects.create(
        doctor=doctor_card.holder.professional,
        kind=kind,
        invited_first_name=delegate.first_name,
        invited_last_name=delegate.last_name,
        invited_email=delegate.email or "x@example.org",
        colleague=delegate.professional if KINDS[kind].invitee == FROM_DIRECTORY else None,
        delegate=delegate if state != State.PENDING else None,
        starts_on=starts_on or TODAY() - datetime.timedelta(days=1),
        ends_on=ends_on,
        state=state,
        created_by=doctor_card.holder,
        answered_at=timezone.now(),
        **{f"can_{r}": True for r in rights},
    )


def delegate_actor(delegate_card, doctor_card):
    return actor_for(delegate_card, acting_for_id=doctor_card.holder.professional.pk)
