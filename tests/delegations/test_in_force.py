"""The delegation in force of a delegate's every request, read in SQL written once, finds what in_force() finds."""

import datetime
import itertools

import pytest

from delegations.models import Delegation, State, delegation_in_force_between
from tests.conftest import TODAY, make_delegation

DAY = datetime.timedelta(days=1)


def orm_answer(delegate_id, doctor_id, today):
    return (
        Delegation.objects.in_force(today=today)
        .filter(delegate_id=delegate_id, doctor_id=doctor_id, doctor__is_active=True)
        .first()
    )


@pytest.mark.django_db
def test_it_agrees_with_in_force_on_every_state_date_and_doctor_case(martin, sophie):
    doctor = martin.holder.professional
    found_some = 0
    cases = itertools.product(State, (-2, 0, 1), (None, -1, 0, 3), (True, False))
    for state, starts, ends, active in cases:
        if ends is not None and ends < starts:
            continue  # refused by the database (ends_after_start)
        Delegation.objects.all().delete()
        doctor.is_active = active
        doctor.save(update_fields=["is_active"])
        make_delegation(
            martin,
            sophie,
            state=state,
            starts_on=TODAY() + starts * DAY,
            ends_on=None if ends is None else TODAY() + ends * DAY,
        )
        expected = orm_answer(sophie.holder.pk, doctor.pk, TODAY())
        found = delegation_in_force_between(delegate_id=sophie.holder.pk, doctor_id=doctor.pk)
        case = f"état {state}, début {starts:+d} j, fin {ends}, médecin actif {active}"
        assert (found and found.pk) == (expected and expected.pk), case
        found_some += found is not None
    # The table holds both answers, so that agreeing is not agreeing on « nothing ».
    assert found_some == 6  # accepted, active doctor, started, not ended: 2 starts × 3 ends


@pytest.mark.django_db
def test_the_day_asked_decides_not_the_machines(martin, sophie):
    delegation = make_delegation(martin, sophie, starts_on=TODAY() + 10 * DAY, ends_on=TODAY() + 20 * DAY)
    doctor_id = martin.holder.professional.pk
    assert delegation_in_force_between(delegate_id=sophie.holder.pk, doctor_id=doctor_id) is None
    in_ten_days = delegation_in_force_between(
        delegate_id=sophie.holder.pk, doctor_id=doctor_id, today=TODAY() + 10 * DAY
    )
    assert in_ten_days.pk == delegation.pk
    assert (
        delegation_in_force_between(delegate_id=sophie.holder.pk, doctor_id=doctor_id, today=TODAY() + 21 * DAY) is None
    )


@pytest.mark.django_db
def test_fields_come_back_typed_and_the_doctor_loaded(martin, sophie, django_assert_num_queries):
    make_delegation(martin, sophie, rights=("consult", "edit"), ends_on=TODAY() + 5 * DAY)
    found = delegation_in_force_between(delegate_id=sophie.holder.pk, doctor_id=martin.holder.professional.pk)
    with django_assert_num_queries(0):
        assert found.doctor.display_name == martin.holder.professional.display_name
        assert found.doctor.is_active is True
    # As the ORM gives them on both databases (SQLite stores dates as text and booleans as integers).
    assert found.starts_on == TODAY() - DAY and isinstance(found.starts_on, datetime.date)
    assert found.ends_on == TODAY() + 5 * DAY
    assert (found.can_consult, found.can_edit, found.can_create) == (True, True, False)
    assert found.state == State.ACCEPTED and found.delegate_id == sophie.holder.pk


@pytest.mark.django_db
def test_another_delegates_delegation_gives_nothing(martin, sophie, dubois):
    make_delegation(martin, sophie)
    assert delegation_in_force_between(delegate_id=dubois.holder.pk, doctor_id=martin.holder.professional.pk) is None
    assert delegation_in_force_between(delegate_id=sophie.holder.pk, doctor_id=dubois.holder.professional.pk) is None
