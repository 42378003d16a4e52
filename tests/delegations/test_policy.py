"""The delegation policy (delegations/policy.py) is what the forms, services and database apply, and the database
refuses a row that breaks it whatever writes it."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from delegations import policy
from delegations.forms import AssistantDelegationForm, ColleagueDelegationForm
from delegations.models import Delegation, Kind, Right, State
from tests.conftest import TODAY, make_delegation
from tests.factories import DelegationFactory


def _refused(delegation, **fields):
    """The database refuses this change of the row (update(): no save(), no form, no service in the way)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.filter(pk=delegation.pk).update(**fields)


@pytest.mark.django_db
def test_an_accepted_delegation_has_a_delegate(martin, sophie):
    delegation = make_delegation(martin, sophie, state=State.ACCEPTED)
    _refused(delegation, delegate=None)
    Delegation.objects.filter(pk=delegation.pk).update(state=State.PENDING, delegate=None)  # pending: nobody yet


@pytest.mark.django_db
def test_only_declared_kinds(martin, sophie):
    _refused(make_delegation(martin, sophie), kind="remplacant")


@pytest.mark.django_db
def test_the_directory_entry_is_set_exactly_for_the_kinds_chosen_from_the_directory(martin, sophie, dubois):
    to_dubois = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY())
    _refused(to_dubois, colleague=None)
    to_sophie = make_delegation(martin, sophie, kind=Kind.ASSISTANT)
    _refused(to_sophie, colleague=dubois.holder.professional)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(Kind))
def test_the_kinds_that_require_an_end_date_have_one_in_the_database_too(kind):
    assert policy.KINDS[Kind.COLLEAGUE].ends_required  # the spec: a colleague's delegation always ends
    delegation = DelegationFactory(kind=kind)
    if policy.KINDS[kind].ends_required:
        _refused(delegation, ends_on=None)
        with pytest.raises(IntegrityError), transaction.atomic():
            DelegationFactory(kind=kind, ends_on=None)
    else:
        Delegation.objects.filter(pk=delegation.pk).update(ends_on=None)  # optional: the row stays as it is


@pytest.mark.django_db
def test_a_right_that_signs_only_for_a_kind_that_signs(martin, sophie, dubois):
    _refused(make_delegation(martin, sophie, kind=Kind.ASSISTANT), can_validate=True)
    to_dubois = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY())
    Delegation.objects.filter(pk=to_dubois.pk).update(can_validate=True)


@pytest.mark.django_db
@pytest.mark.parametrize("right", ["create", "edit", "validate"])
def test_every_right_implies_consulting_in_the_database_too(martin, dubois, right):
    delegation = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, rights=("consult", right), ends_on=TODAY())
    _refused(delegation, can_consult=False)


def test_implied_rights_are_added_once_and_for_all():
    held = policy.normalize([Right.EDIT])
    assert {field for field, value in held.items() if value} == {"can_edit", "can_consult"}
    assert not any(policy.normalize([]).values())


@pytest.mark.django_db
def test_the_forms_offer_the_rights_each_kind_may_hold_with_their_hints():
    assistant, colleague = AssistantDelegationForm(), ColleagueDelegationForm(directory_email="a@example.org")
    # An assistant is offered every right but those that sign; a colleague, every right.
    assert [f.name for f, _ in assistant.right_fields()] == [p.field for p in policy.RIGHTS.values() if not p.signs]
    assert [f.name for f, _ in colleague.right_fields()] == [p.field for p in policy.RIGHTS.values()]
    assert "can_validate" not in assistant.fields and "can_validate" in colleague.fields
    assert {f.name: hint for f, hint in assistant.right_fields()}["can_edit"] == policy.RIGHTS[Right.EDIT].hint
    assert colleague.fields["ends_on"].required and not assistant.fields["ends_on"].required


@pytest.mark.django_db
def test_form_and_service_say_the_same(martin):
    """One message per problem, from the policy: the form's and the service's are the same words."""
    from delegations import services
    from tests.conftest import actor_for

    data = {"last_name": "Bernard", "first_name": "Sophie", "email": "s@example.org", "starts_on": TODAY()}
    form = AssistantDelegationForm({**data, "starts_on": TODAY().isoformat()})
    assert not form.is_valid() and form.rights_errors() == [policy.NO_RIGHT]
    with pytest.raises(services.DelegationError, match=policy.NO_RIGHT):
        services.add_assistant(actor=actor_for(martin), first_name="Sophie", last_name="Bernard",
                               email="s@example.org", rights=[], starts_on=TODAY())  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_migration_bounds_a_colleague_delegation_written_without_end_date():
    """Rows written around the services before the constraint: live ones bounded at the least (today, or their start
    day), ended ones on the day they ended."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.factories import DoctorUserFactory, ProfessionalFactory

    before = [("delegations", "0004_policy_constraints")]
    MigrationExecutor(connection).migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("delegations", "Delegation")
    martin = DoctorUserFactory()
    fields = {
        "doctor_id": martin.professional_id,
        "created_by_id": martin.pk,
        "kind": "confrere",
        "state": "en_attente",
    }
    started = old.objects.create(**fields, colleague_id=ProfessionalFactory().pk, starts_on=TODAY().replace(year=2020))
    later = TODAY() + datetime.timedelta(days=10)
    starting = old.objects.create(**fields, colleague_id=ProfessionalFactory().pk, starts_on=later)
    # An ended row ends the day it ended, not the day of the migration.
    answered = datetime.datetime(2021, 3, 4, 12, tzinfo=datetime.UTC)
    refused = old.objects.create(
        **{**fields, "state": "refusee"},
        colleague_id=ProfessionalFactory().pk,
        starts_on=TODAY().replace(year=2020),
        answered_at=answered,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Delegation.objects.get(pk=started.pk).ends_on == TODAY()
    assert Delegation.objects.get(pk=starting.pk).ends_on == later
    assert Delegation.objects.get(pk=refused.pk).ends_on == datetime.date(2021, 3, 4)
