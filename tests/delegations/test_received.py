"""« Délégations reçues » lists what is the reader's: delegations given to him, a colleague's invitation by his
directory entry, an assistant's invitation for his name at his address (its case aside, nothing else)."""

import pytest

from delegations.models import Kind, State
from delegations.selectors import received_by, received_rows
from tests.conftest import actor_for, make_delegation
from tests.factories import CardFactory, DoctorUserFactory


def pending(doctor, invitee, **changes):
    """An invitation to `invitee`, then typed otherwise by the doctor (`changes`)."""
    delegation = make_delegation(doctor, invitee, state=State.PENDING)
    for name, value in changes.items():
        setattr(delegation, name, value)
    delegation.save()
    return delegation


@pytest.fixture
def doctors(db):
    return [CardFactory(holder=DoctorUserFactory()) for _ in range(6)]


def test_each_row_is_the_readers_and_nothing_else(martin, sophie, dubois, doctors):
    a, b, c, d, e, f = doctors
    given = make_delegation(a, sophie)  # accepted: hers
    invited = pending(b, sophie, invited_email="Sophie.BERNARD@example.ORG")
    other_name = pending(c, sophie, invited_last_name="Bernardi")
    other_address = pending(d, sophie, invited_email="sophie.bernard@example.com")
    lea = CardFactory(assistant=True, holder__first_name="Léa", holder__last_name="Petit", holder__email="lea_p@a.fr")
    # On SQLite iexact is a LIKE: the « _ » of her address must not stand for any character.
    wildcard = pending(e, lea, invited_email="leaxp@a.fr")
    hers = pending(f, lea, invited_email="LEA_P@A.FR")
    deleted = make_delegation(e, sophie, state=State.DELETED)
    colleague = make_delegation(a, dubois, kind=Kind.COLLEAGUE, state=State.PENDING)
    shown = {d.pk for d in received_rows(actor_for(sophie))}
    assert shown == {given.pk, invited.pk}
    assert not shown & {other_name.pk, other_address.pk, wildcard.pk, deleted.pk, colleague.pk}
    # The pending invitation first; the same rows as the queryset the answer views filter.
    assert [d.pk for d in received_rows(actor_for(sophie))] == [invited.pk, given.pk]
    assert {d.pk for d in received_by(actor_for(sophie))} == shown
    # A colleague's invitation shows to the médecin of that directory entry, by it alone.
    assert [d.pk for d in received_rows(actor_for(dubois))] == [colleague.pk]
    assert received_rows(actor_for(martin)) == []
    assert [d.pk for d in received_rows(actor_for(lea))] == [hers.pk]
