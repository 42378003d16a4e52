"""The decision table of the single authorization place, for assistants and colleagues."""

import datetime
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.actor import Actor
from delegations.authz import DossierAction, Reason, decide, may_manage_delegations, may_oversee
from delegations.models import Kind, Right, State
from delegations.policy import FROM_DIRECTORY, HOLDERS, KINDS
from tests.conftest import actor_for, delegate_actor, make_delegation

TODAY = timezone.localdate  # the application's date (Paris), not the machine's: they differ near midnight
DAY = datetime.timedelta(days=1)

ACTION_RIGHT = {
    DossierAction.VIEW: "consult",
    DossierAction.CREATE: "create",
    DossierAction.EDIT_MEDICAL: "edit",
    DossierAction.SEND: "edit",
    DossierAction.ARCHIVE: "edit",
    DossierAction.VALIDATE_MEDICAL: "validate",
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("right", [r.value for r in Right])
@pytest.mark.parametrize("action", list(DossierAction))
@pytest.mark.parametrize("kind", list(Kind))
def test_decision_table(martin, sophie, dubois, state, right, action, kind):
    delegate_card = dubois if KINDS[kind].invitee == FROM_DIRECTORY else sophie
    if kind not in HOLDERS[right]:
        pytest.skip("this kind cannot hold this right (database constraint)")
    make_delegation(martin, delegate_card, kind=kind, state=state, rights=(right,))
    decision = decide(delegate_actor(delegate_card, martin), action)
    # Every right implies consulting.
    expected = state == State.ACCEPTED and (ACTION_RIGHT[action] == right or action == DossierAction.VIEW)
    assert decision.allowed is expected
    if expected:
        assert decision.principal == martin.holder.professional and decision.is_delegated


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [(-1, None, True), (-10, -1, False), (1, 5, False), (0, 0, True), (-3, 3, True)],
)
def test_nothing_outside_the_dates(martin, sophie, starts, ends, expected):
    make_delegation(
        martin, sophie, starts_on=TODAY() + starts * DAY, ends_on=None if ends is None else TODAY() + ends * DAY
    )
    assert decide(delegate_actor(sophie, martin), DossierAction.VIEW).allowed is expected


@pytest.mark.django_db
def test_an_assistant_never_validates_even_with_a_cps(martin, dubois):
    # A doctor invited as an assistant (kind assistant) cannot hold the validation right.
    make_delegation(martin, dubois, kind=Kind.ASSISTANT, rights=("consult", "edit"))
    assert not decide(delegate_actor(dubois, martin), DossierAction.VALIDATE_MEDICAL)


@pytest.mark.django_db
def test_a_colleague_validates_only_with_his_cps(martin, dubois):
    from tests.factories import CardFactory

    make_delegation(martin, dubois, kind=Kind.COLLEAGUE, rights=("validate",), ends_on=TODAY() + 10 * DAY)
    assert decide(delegate_actor(dubois, martin), DossierAction.VALIDATE_MEDICAL)
    cpe = CardFactory(card_type="CPE", holder=dubois.holder)
    decision = decide(delegate_actor(cpe, martin), DossierAction.VALIDATE_MEDICAL)
    assert not decision and decision.reason == Reason.NOT_A_SIGNATURE


@pytest.mark.django_db
def test_a_cpf_card_gives_nothing(martin):
    from tests.factories import CardFactory, UserFactory

    student = CardFactory(card_type="CPF", holder=UserFactory())
    make_delegation(martin, student, rights=("consult", "edit"))
    assert decide(delegate_actor(student, martin), DossierAction.VIEW).reason == Reason.CARD_NOT_ALLOWED


@pytest.mark.django_db
def test_a_delegate_s_refusal_names_its_reason_and_the_delegation_it_was_decided_on(martin, sophie, dubois):
    """Each decision says why (Reason), and a delegate's refusal keeps whom and which delegation it was decided on."""
    from django.contrib.auth.models import AnonymousUser

    from accounts.actor import Actor
    from tests.factories import CardFactory, UserFactory

    for nobody in (None, Actor(user=AnonymousUser())):
        refused = decide(nobody, DossierAction.VIEW)
        assert not refused and refused.reason == Reason.ANONYMOUS
    assert decide(actor_for(martin), DossierAction.VIEW).reason == Reason.ALLOWED
    refused = decide(actor_for(sophie), DossierAction.VIEW)  # an assistant in her own space
    assert not refused and refused.reason == Reason.NO_OWN_SPACE
    delegation = make_delegation(martin, sophie, rights=("consult",))
    assert decide(delegate_actor(sophie, martin), DossierAction.VIEW).reason == Reason.ALLOWED
    refused = decide(delegate_actor(sophie, martin), DossierAction.EDIT_MEDICAL)
    assert not refused and refused.reason == Reason.RIGHT_NOT_GRANTED
    assert (refused.principal, refused.is_delegated, refused.delegation) == (
        martin.holder.professional, True, delegation
    )  # fmt: skip
    student = CardFactory(card_type="CPF", holder=UserFactory())
    to_student = make_delegation(martin, student, rights=("consult",))
    refused = decide(delegate_actor(student, martin), DossierAction.VIEW)
    assert not refused and refused.reason == Reason.CARD_NOT_ALLOWED
    assert (refused.principal, refused.is_delegated, refused.delegation) == (
        martin.holder.professional, True, to_student
    )  # fmt: skip
    to_dubois = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, rights=("validate",), ends_on=TODAY() + DAY)
    cpe = CardFactory(card_type="CPE", holder=dubois.holder)
    refused = decide(delegate_actor(cpe, martin), DossierAction.VALIDATE_MEDICAL)
    assert not refused and refused.reason == Reason.NOT_A_SIGNATURE
    assert (refused.principal, refused.is_delegated, refused.delegation) == (
        martin.holder.professional, True, to_dubois
    )  # fmt: skip


@pytest.mark.django_db
def test_a_delegation_for_someone_else_gives_nothing(martin, sophie):
    from tests.factories import CardFactory, UserFactory

    make_delegation(martin, sophie, rights=("consult",))
    other = CardFactory(card_type="CPE", holder=UserFactory())
    assert decide(delegate_actor(other, martin), DossierAction.VIEW).reason == Reason.NO_DELEGATION


@pytest.mark.django_db
def test_no_re_delegation(martin, sophie, dubois):
    make_delegation(martin, dubois, kind=Kind.COLLEAGUE, rights=("consult", "edit"), ends_on=TODAY() + DAY)
    assert may_manage_delegations(actor_for(martin)).allowed
    assert may_manage_delegations(delegate_actor(dubois, martin)).reason == Reason.DELEGATE_CANNOT_DELEGATE
    assert may_manage_delegations(actor_for(sophie)).reason == Reason.NO_OWN_SPACE


@pytest.mark.django_db
@pytest.mark.parametrize("rule", [may_manage_delegations, may_oversee])
def test_managing_and_overseeing_say_why_and_for_whom(martin, sophie, dubois, rule):
    """The whole decision, not only yes or no: the reason shown when refused, the doctor himself when allowed."""
    from tests.factories import CardFactory

    make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY() + DAY)
    own = rule(actor_for(martin))
    assert (own.allowed, own.reason, own.principal) == (True, Reason.ALLOWED, martin.holder.professional)
    refused = {
        Reason.ANONYMOUS: [None, Actor(user=AnonymousUser())],
        Reason.DELEGATE_CANNOT_DELEGATE: [delegate_actor(dubois, martin)],
        Reason.NO_OWN_SPACE: [actor_for(sophie), actor_for(CardFactory(card_type="CPE", holder=dubois.holder))],
    }
    for reason, actors in refused.items():
        for actor in actors:
            decision = rule(actor)
            assert (decision.allowed, decision.reason, decision.principal) == (False, reason, None), actor
    martin.holder.professional.is_active = False
    assert (rule(actor_for(martin)).allowed, rule(actor_for(martin)).reason) == (False, Reason.LEFT_DIRECTORY)


@pytest.mark.django_db
def test_every_combination_of_rights_implies_consult_through_services(martin, sophie):
    from delegations.policy import normalize

    for size in range(1, 4):
        for combo in itertools.combinations(["create", "edit", "validate"], size):
            assert normalize(combo)["can_consult"] is True
