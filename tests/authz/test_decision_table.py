"""The spec's decision table, written as data, and a property test: `decide()` agrees with it exactly.

The table says whether a situation gives an action on the dossiers of Dr MARTIN (the delegating doctor).
It is read from PRODUCT.md (« Delegation of rights »), never from `delegations.authz`: the constants
below restate the spec on purpose, so that a change of the authorization place that the spec does not
allow makes this test fail.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.actor import Actor
from delegations.authz import DossierAction, decide, may_manage_delegations, may_oversee
from delegations.models import Delegation, Kind, State
from tests.factories import DelegationFactory, DoctorUserFactory, ProfessionalFactory, UserFactory

EXAMPLES = 5000

# --- The dimensions of a situation -------------------------------------------------------------------

# Who acts.
DOCTOR = "doctor"  # Dr MARTIN himself, a médecin of the directory
ASSISTANT = "assistant"  # a card holder without a directory entry, invited as an assistant
COLLEAGUE = "colleague"  # Dr DUBOIS, a médecin invited as a confrère
DOCTOR_AS_ASSISTANT = "doctor_as_assistant"  # a médecin invited as an assistant (kind assistant)
STRANGER = "stranger"  # a card holder without any delegation (the delegation goes to someone else)
STRANGER_DOCTOR = "stranger_doctor"  # another médecin without any delegation
ACTORS = [DOCTOR, ASSISTANT, COLLEAGUE, DOCTOR_AS_ASSISTANT, STRANGER, STRANGER_DOCTOR]

# On whose behalf (« Agir au nom de », as the session says): nobody (his own space), Dr MARTIN, or
# Dr DURAND, a doctor who delegated nothing to anybody.
OWN_SPACE, MARTIN, DURAND = "own_space", "martin", "durand"

CARDS = ["CPS", "CPF", "CPE", "CPA"]

# The delegation from Dr MARTIN in the situation: none, or one in each state.
NONE = "none"
STATES = [NONE, State.PENDING, State.ACCEPTED, State.REFUSED, State.DELETED, State.EXPIRED, State.SUSPENDED]

RIGHTS = ["consult", "create", "edit", "validate"]

# The dates of the delegation, as seen today (end date inclusive).
BEFORE_START, WITHIN, AFTER_END, NO_END = "before_start", "within", "after_end", "no_end"

ACTIONS = ["view", "create", "edit_medical", "validate_medical", "send", "archive"]

# Who left the national directory (struck off, retired, deceased: inactive after an import), as the directory says
# now, whatever the delegation's state says: nobody, the actor (if he has a directory entry), or Dr MARTIN.
NOBODY_LEFT, ACTOR_LEFT, MARTIN_LEFT = "nobody_left", "actor_left", "martin_left"
LEFT = [NOBODY_LEFT, ACTOR_LEFT, MARTIN_LEFT]

# --- The spec, restated as data ------------------------------------------------------------------------

# The checkbox each action needs (PRODUCT.md: Consulter, Créer, Modifier, Valider).
RIGHT_NEEDED = {
    "view": "consult",
    "create": "create",
    "edit_medical": "edit",
    "validate_medical": "validate",
    "send": "edit",
    "archive": "edit",
}
# « Modifying or creating implies consulting »; validating too.
IMPLIES = {"create": {"consult"}, "edit": {"consult"}, "validate": {"consult"}, "consult": set()}

ANY = "*"
GIVING_DATES = {WITHIN, NO_END}
DELEGATE_CARDS = {"CPS", "CPE", "CPA"}  # a CPF (student) card is not enough

# fmt: off
# First matching row wins. Columns: who acts, for whom, card, delegation state, dates,
# holds the right the action needs, action, who left the directory  →  may do it on Dr MARTIN's dossiers.
DECISION_TABLE = [
    # who             for whom   card            state           dates         right  action              left allowed
    # Who left the directory acts for nobody, and nobody acts for him: at once, whatever the delegation's state.
    (ANY,             ANY,       ANY,            ANY,            ANY,          ANY,   ANY,
                                                                                  {ACTOR_LEFT, MARTIN_LEFT}, False),
    # The doctor himself, in his own space, with his CPS: everything on his own dossiers.
    (DOCTOR,          OWN_SPACE, {"CPS"},        ANY,            ANY,          ANY,   ANY,                ANY, True),
    # Not with another card: a CPS is what makes him act as a doctor.
    (DOCTOR,          ANY,       ANY,            ANY,            ANY,          ANY,   ANY,                ANY, False),
    # A stranger gets nothing, whatever his session says.
    (STRANGER,        ANY,       ANY,            ANY,            ANY,          ANY,   ANY,                ANY, False),
    (STRANGER_DOCTOR, ANY,       ANY,            ANY,            ANY,          ANY,   ANY,                ANY, False),
    # A delegate in his own space is not in Dr MARTIN's (a médecin's own space holds his own dossiers).
    (ANY,             OWN_SPACE, ANY,            ANY,            ANY,          ANY,   ANY,                ANY, False),
    # Nobody gets anything on a doctor who did not delegate.
    (ANY,             DURAND,    ANY,            ANY,            ANY,          ANY,   ANY,                ANY, False),
    # Only an accepted delegation gives anything (a suspended one, never again)...
    (ANY,             MARTIN,    ANY,            {NONE, State.PENDING, State.REFUSED, State.DELETED, State.EXPIRED,
                                                  State.SUSPENDED},
                                                                 ANY,          ANY,   ANY,                ANY, False),
    # ... within its dates...
    (ANY,             MARTIN,    ANY,            State.ACCEPTED, {BEFORE_START, AFTER_END},
                                                                               ANY,   ANY,                ANY, False),
    # ... to a CPS, CPE or CPA card...
    (ANY,             MARTIN,    {"CPF"},        State.ACCEPTED, GIVING_DATES, ANY,   ANY,                ANY, False),
    # ... for the actions whose right was granted.
    (ANY,             MARTIN,    DELEGATE_CARDS, State.ACCEPTED, GIVING_DATES, False, ANY,                ANY, False),
    # Validating signs: only a confrère, logged in with his own CPS.
    (COLLEAGUE,       MARTIN,    {"CPS"},        State.ACCEPTED, GIVING_DATES, True,  "validate_medical", ANY, True),
    (ANY,             MARTIN,    DELEGATE_CARDS, State.ACCEPTED, GIVING_DATES, True,  "validate_medical", ANY, False),
    # Every other action of a granted right.
    ({ASSISTANT, COLLEAGUE, DOCTOR_AS_ASSISTANT},
                      MARTIN,    DELEGATE_CARDS, State.ACCEPTED, GIVING_DATES, True,  ANY,                ANY, True),
]
# fmt: on


def _matches(cell, value) -> bool:
    if cell == ANY:
        return True
    if isinstance(cell, set):
        return value in cell
    return cell == value


def expected_on_martin(situation) -> bool:
    """What the table says: may the actor do the action on Dr MARTIN's dossiers?"""
    held = set(situation["rights"])
    for right in situation["rights"]:
        held |= IMPLIES[right]
    values = (
        situation["actor"],
        situation["acting_for"],
        situation["card"],
        situation["state"],
        situation["dates"],
        RIGHT_NEEDED[situation["action"]] in held,
        situation["action"],
        situation["left"],
    )
    for row in DECISION_TABLE:
        if all(_matches(cell, value) for cell, value in zip(row[:-1], values, strict=True)):
            return row[-1]
    raise AssertionError(f"The decision table has no row for {values}")


def expected_may_manage(situation) -> bool:
    """MES DELEGATIONS: a médecin with his CPS in his own space; never a delegate acting for someone; never a
    médecin who left the directory."""
    is_medecin = situation["actor"] in {DOCTOR, COLLEAGUE, DOCTOR_AS_ASSISTANT, STRANGER_DOCTOR}
    has_left = situation["left"] == ACTOR_LEFT or (situation["left"] == MARTIN_LEFT and situation["actor"] == DOCTOR)
    return situation["acting_for"] == OWN_SPACE and is_medecin and situation["card"] == "CPS" and not has_left


def test_the_table_is_complete():
    """Every combination of the dimensions falls on a row (no silent default)."""
    for actor in ACTORS:
        for acting_for in (OWN_SPACE, MARTIN, DURAND):
            for card in CARDS:
                for state in STATES:
                    for dates in (BEFORE_START, WITHIN, AFTER_END, NO_END):
                        for rights in ([], ["consult"], ["create"], ["edit"], ["validate"]):
                            for action in ACTIONS:
                                for left in LEFT:
                                    expected_on_martin(
                                        {
                                            "actor": actor,
                                            "acting_for": acting_for,
                                            "card": card,
                                            "state": state,
                                            "dates": dates,
                                            "rights": rights,
                                            "action": action,
                                            "left": left,
                                        }
                                    )


def test_a_few_rows_read_as_the_spec_says():
    base = {"acting_for": MARTIN, "state": State.ACCEPTED, "dates": WITHIN, "card": "CPE", "left": NOBODY_LEFT}
    # An assistant with « Modifier » may edit, send and archive, and consult; not create nor validate.
    for action, allowed in [("edit_medical", True), ("send", True), ("archive", True), ("view", True)]:
        assert expected_on_martin({**base, "actor": ASSISTANT, "rights": ["edit"], "action": action}) is allowed
    assert not expected_on_martin({**base, "actor": ASSISTANT, "rights": ["edit"], "action": "create"})
    # A confrère validates with his CPS only.
    colleague = {**base, "actor": COLLEAGUE, "rights": ["validate"], "action": "validate_medical"}
    assert expected_on_martin({**colleague, "card": "CPS"})
    assert not expected_on_martin({**colleague, "card": "CPE"})
    # The end date is inclusive, but the day after gives nothing.
    assert not expected_on_martin({**base, "actor": ASSISTANT, "rights": ["consult"], "action": "view",
                                   "dates": AFTER_END})  # fmt: skip
    # Dr DUBOIS struck off: he validates nothing for Dr MARTIN, and Dr MARTIN gone, nobody acts for him.
    assert not expected_on_martin({**colleague, "card": "CPS", "left": ACTOR_LEFT})
    assert not expected_on_martin({**colleague, "card": "CPS", "left": MARTIN_LEFT})
    assert not expected_on_martin({**base, "actor": DOCTOR, "acting_for": OWN_SPACE, "card": "CPS", "rights": [],
                                   "action": "view", "left": ACTOR_LEFT})  # fmt: skip


# --- The property test: build each situation in the database, ask decide() --------------------------------


def _rights_for(actor):
    """Any subset of the four rights; validation only for a confrère (a database constraint)."""
    names = RIGHTS if actor == COLLEAGUE else [r for r in RIGHTS if r != "validate"]
    return st.sets(st.sampled_from(names)).map(sorted)


# Offsets in days from today: small ones often, to hit the boundaries (start today, end today).
_offset = st.one_of(st.integers(-2, 2), st.integers(-60, 60), st.integers(-60, 0))


NO_ENTRY = {ASSISTANT, STRANGER}


@st.composite
def situations(draw):
    actor = draw(st.sampled_from(ACTORS))
    acting_for = OWN_SPACE if actor == DOCTOR else draw(st.sampled_from([MARTIN, MARTIN, MARTIN, OWN_SPACE, DURAND]))
    starts = draw(_offset)
    length = draw(st.one_of(st.none(), st.integers(0, 3), st.integers(0, 90)))
    return {
        "actor": actor,
        "acting_for": acting_for,
        "card": draw(st.sampled_from(CARDS)),
        # Accepted half of the time, so that the allowed side of the table is explored as much.
        "state": draw(st.one_of(st.just(State.ACCEPTED), st.sampled_from(STATES))),
        "starts": starts,
        "ends": None if length is None else starts + length,
        # A refused, deleted or expired delegation may or may not have been bound to the delegate.
        "bound": draw(st.booleans()),
        "rights": draw(_rights_for(actor)),
        "action": draw(st.sampled_from(ACTIONS)),
        # Nobody left most of the time, so that the rest of the table is explored as much. The assistant and the
        # stranger have no directory entry: nothing of theirs can leave it.
        "left": draw(st.sampled_from([NOBODY_LEFT] * 4 + [MARTIN_LEFT] + ([] if actor in NO_ENTRY else [ACTOR_LEFT]))),
    }


def _dates_category(starts: int, ends: int | None) -> str:
    if starts > 0:
        return BEFORE_START
    if ends is None:
        return NO_END
    return WITHIN if ends >= 0 else AFTER_END


@pytest.fixture
def people(db):
    martin = DoctorUserFactory(first_name="Jean", last_name="MARTIN")
    dubois = DoctorUserFactory(first_name="Claire", last_name="DUBOIS")
    return {
        "martin": martin,
        "durand": ProfessionalFactory(last_name="DURAND"),
        DOCTOR: martin,
        ASSISTANT: UserFactory(first_name="Sophie", last_name="BERNARD"),
        COLLEAGUE: dubois,
        DOCTOR_AS_ASSISTANT: DoctorUserFactory(first_name="Paul", last_name="LEROY"),
        STRANGER: UserFactory(first_name="Marc", last_name="INCONNU"),
        STRANGER_DOCTOR: DoctorUserFactory(first_name="Anne", last_name="ETRANGERE"),
    }


def _delegation(people, situation, today) -> Delegation | None:
    """Dr MARTIN's delegation of the situation: to the actor, or (for a stranger) to someone else."""
    if situation["state"] == NONE:
        return None
    actor = situation["actor"]
    if actor == COLLEAGUE:
        kind, delegate = Kind.COLLEAGUE, people[COLLEAGUE]
    elif actor in (ASSISTANT, DOCTOR_AS_ASSISTANT):
        kind, delegate = Kind.ASSISTANT, people[actor]
    else:
        # The doctor himself or a stranger: the delegation exists, to someone else.
        kind = Kind.COLLEAGUE if "validate" in situation["rights"] else Kind.ASSISTANT
        delegate = people[COLLEAGUE] if kind == Kind.COLLEAGUE else people[ASSISTANT]
    state = situation["state"]
    bound = state == State.ACCEPTED or (state != State.PENDING and situation["bound"])
    day = datetime.timedelta(days=1)
    # « No end »: none, or for a kind that requires one, the factory's, after today (as giving as none: NO_END).
    ends = {} if situation["ends"] is None else {"ends_on": today + situation["ends"] * day}
    return DelegationFactory(
        doctor=people["martin"].professional,
        kind=kind,
        invited_first_name=delegate.first_name,
        invited_last_name=delegate.last_name,
        invited_email="invite@example.org",
        colleague=delegate.professional if kind == Kind.COLLEAGUE else None,
        delegate=delegate if bound else None,
        starts_on=today + situation["starts"] * day,
        **ends,
        state=state,
        created_by=people["martin"],
        answered_at=None,
        **{f"can_{right}": right in situation["rights"] for right in RIGHTS},
    )


def _leave_directory(people, situation) -> None:
    """Who left is inactive in the directory (as an import leaves him); nothing else is written (no suspension):
    decide() must refuse from the directory alone."""
    who = {NOBODY_LEFT: None, ACTOR_LEFT: people[situation["actor"]], MARTIN_LEFT: people["martin"]}[situation["left"]]
    if who is not None:
        who.professional.is_active = False
        who.professional.save(update_fields=["is_active"])


def _actor(people, situation) -> Actor:
    acting_for_id = {
        OWN_SPACE: None,
        MARTIN: people["martin"].professional.pk,
        DURAND: people["durand"].pk,
    }[situation["acting_for"]]
    return Actor(
        user=people[situation["actor"]], card_type=situation["card"], login_method="demo", acting_for_id=acting_for_id
    )


@pytest.mark.slow
def test_decide_agrees_with_the_decision_table(people):
    martin = people["martin"].professional
    seen = {"allowed": 0, "refused": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(situations())
    def check(situation):
        today = timezone.localdate()
        with transaction.atomic():
            _leave_directory(people, situation)
            delegation = _delegation(people, situation, today)
            actor = _actor(people, situation)
            decision = decide(actor, DossierAction(situation["action"]))
            manage = may_manage_delegations(_actor(people, situation))
            # « Actions faites en mon nom » and its exports: the same rule, for the same doctor.
            oversee = may_oversee(_actor(people, situation))
            transaction.set_rollback(True)
        for user in people.values():
            if getattr(user, "professional", None) is not None:
                user.professional.is_active = True  # the rollback restored the rows, not these objects
        if timezone.localdate() != today:
            return  # midnight passed during the example: its dates moved
        situation = {**situation, "dates": _dates_category(situation["starts"], situation["ends"])}

        on_martin = decision.allowed and decision.principal.pk == martin.pk
        assert on_martin is expected_on_martin(situation), situation
        if decision.allowed:
            if actor.acting_for_id is None:
                # His own space: his own dossiers, in his own name.
                assert decision.principal.pk == actor.user.professional.pk and not decision.is_delegated
            else:
                # On behalf of Dr MARTIN, through exactly this delegation.
                assert decision.is_delegated and decision.delegation.pk == delegation.pk, situation
        assert manage.allowed is expected_may_manage(situation), situation
        assert (oversee.allowed, oversee.principal) == (manage.allowed, manage.principal), situation
        if manage.allowed:
            assert manage.principal.pk == actor.user.professional.pk
        seen["allowed" if on_martin else "refused"] += 1

    check()
    # The generated situations exercised both outcomes, plenty of times.
    assert seen["allowed"] > EXAMPLES // 25 and seen["refused"] > EXAMPLES // 2, seen
