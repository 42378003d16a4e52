"""The factories build what the database and the policy accept, in every state they offer."""

import pytest

from delegations.models import Delegation, Kind, State
from delegations.policy import FROM_DIRECTORY, KINDS

from .factories import DelegationFactory


@pytest.mark.django_db
@pytest.mark.parametrize("colleague", [False, True])
@pytest.mark.parametrize(
    ("trait", "state"),
    [
        (None, State.ACCEPTED),
        ("pending", State.PENDING),
        ("refused", State.REFUSED),
        ("expired", State.EXPIRED),
        ("deleted", State.DELETED),
        ("suspended", State.SUSPENDED),
    ],
)
def test_every_state_of_both_kinds(trait, state, colleague):
    traits = {trait: True} if trait else {}
    delegation = DelegationFactory(**traits, colleague_doctor=colleague)
    delegation.refresh_from_db()  # through the database's constraints
    assert delegation.state == state and delegation.effective_state == state
    assert delegation.kind == (Kind.COLLEAGUE if colleague else Kind.ASSISTANT)
    assert (delegation.colleague_id is not None) == (KINDS[Kind(delegation.kind)].invitee == FROM_DIRECTORY)
    assert (delegation.delegate_id is not None) == (state not in (State.PENDING, State.REFUSED))
    assert delegation.can_consult


@pytest.mark.django_db
def test_a_right_brings_consult_and_in_force_finds_the_accepted_one():
    delegation = DelegationFactory(can_edit=True, can_consult=False)
    delegation.refresh_from_db()
    assert delegation.can_edit and delegation.can_consult  # implied, as the policy normalises
    assert list(Delegation.objects.in_force()) == [delegation]
    DelegationFactory(expired=True)
    assert list(Delegation.objects.in_force()) == [delegation]
