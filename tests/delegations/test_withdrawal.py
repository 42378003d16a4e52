"""delegations.authz.withdrawal, called directly: which delegation a refused form's message speaks of, its exact
French words and dates, and what it never names (another delegate's delegation, a doctor the actor never acted for)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.actor import Actor
from delegations.authz import DossierAction, withdrawal
from tests.conftest import actor_for
from tests.factories import CardFactory, DelegationFactory, ProfessionalFactory

DAY = datetime.timedelta(days=1)


def paris(*args: int) -> datetime.datetime:
    """An aware moment in the application's time zone, so the message shows these very figures."""
    return datetime.datetime(*args, tzinfo=timezone.get_current_timezone())


def ended(doctor, delegate, *, created_at, deleted_at):
    return DelegationFactory(
        doctor=doctor, delegate=delegate, deleted=True, created_at=created_at, deleted_at=deleted_at
    )


@pytest.mark.django_db
def test_no_actor_or_an_anonymous_one_gets_no_withdrawal():
    doctor = DelegationFactory(pending=True).doctor  # a delegation bound to nobody yet
    assert withdrawal(None, DossierAction.CREATE, drawn_for=str(doctor.pk)) is None
    assert withdrawal(Actor(user=AnonymousUser()), DossierAction.CREATE, drawn_for=str(doctor.pk)) is None


@pytest.mark.django_db
def test_the_end_of_the_delegation_is_dated_to_the_minute(assistant_card):
    doctor = ProfessionalFactory()
    ended(doctor, assistant_card.holder, created_at=timezone.now() - 30 * DAY, deleted_at=paris(2026, 2, 1, 10, 30))
    actor = actor_for(assistant_card, ended_acting_for_id=doctor.pk)
    found = withdrawal(actor, DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None and found.doctor == doctor
    assert found.message == f"Votre délégation du médecin {doctor.display_name} a pris fin le 01/02/2026 à 10:30."


@pytest.mark.django_db
def test_a_right_withdrawn_is_dated_from_the_delegation_in_force_not_a_newer_one(assistant_card):
    doctor = ProfessionalFactory()
    DelegationFactory(
        doctor=doctor,
        delegate=assistant_card.holder,
        created_at=timezone.now() - 30 * DAY,
        updated_at=paris(2026, 2, 1, 10, 30),
    )
    # A newer delegation of the same pair, ended: not the one he acts under.
    DelegationFactory(
        doctor=doctor,
        delegate=assistant_card.holder,
        deleted=True,
        created_at=timezone.now() - DAY,
        updated_at=paris(2026, 3, 4, 17, 45),
    )
    actor = actor_for(assistant_card, acting_for_id=doctor.pk)
    found = withdrawal(actor, DossierAction.EDIT_MEDICAL, drawn_for=str(doctor.pk))
    assert found is not None and found.doctor == doctor
    assert found.message.endswith(" : il a été retiré le 01/02/2026 à 10:30.")


@pytest.mark.django_db
def test_the_latest_created_delegation_is_told_whatever_the_ids(assistant_card):
    doctor = ProfessionalFactory()
    ended(doctor, assistant_card.holder, created_at=timezone.now() - DAY, deleted_at=paris(2026, 2, 1, 10, 30))
    # Created after it in the table, but older.
    ended(doctor, assistant_card.holder, created_at=timezone.now() - 60 * DAY, deleted_at=paris(2025, 12, 1, 9, 0))
    found = withdrawal(actor_for(assistant_card), DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None
    assert found.message == f"Votre délégation du médecin {doctor.display_name} a pris fin le 01/02/2026 à 10:30."


@pytest.mark.django_db
def test_two_delegations_created_at_the_same_moment_the_last_one_is_told(assistant_card):
    doctor = ProfessionalFactory()
    moment = timezone.now() - DAY
    ended(doctor, assistant_card.holder, created_at=moment, deleted_at=paris(2025, 12, 1, 9, 0))
    ended(doctor, assistant_card.holder, created_at=moment, deleted_at=paris(2026, 2, 1, 10, 30))
    found = withdrawal(actor_for(assistant_card), DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None
    assert found.message == f"Votre délégation du médecin {doctor.display_name} a pris fin le 01/02/2026 à 10:30."


@pytest.mark.django_db
def test_a_doctor_who_delegated_to_someone_else_is_not_named(doctor_card):
    """A page drawn for a doctor the actor never held a delegation from (an id typed by hand): another delegate's
    delegation from that doctor is neither told nor used to name him."""
    stranger = ProfessionalFactory()
    ended(stranger, CardFactory(assistant=True).holder, created_at=timezone.now() - DAY, deleted_at=timezone.now())
    DelegationFactory(doctor=stranger)  # and one in force, to another
    found = withdrawal(actor_for(doctor_card), DossierAction.CREATE, drawn_for=str(stranger.pk))
    assert found is not None
    assert found.doctor is None and not found.drawn_in_own_space
    assert found.message == "Vous agissez maintenant dans votre propre espace."


@pytest.mark.django_db
@pytest.mark.parametrize("ended_as", [{"deleted": True, "deleted_at": None}, {"suspended": True, "suspended_at": None}])
def test_an_end_without_its_date_is_told_undated(assistant_card, ended_as):
    """A row ended without its moment recorded (nothing in the schema forbids it): no date is made up."""
    doctor = ProfessionalFactory()
    DelegationFactory(doctor=doctor, delegate=assistant_card.holder, **ended_as)
    found = withdrawal(actor_for(assistant_card), DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None
    assert found.message == f"Votre délégation du médecin {doctor.display_name} n'est plus en cours de validité."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("Le médecin n'est plus inscrit à l'annuaire.", " Le médecin n'est plus inscrit à l'annuaire."),
        ("", ""),  # no reason: the sentence ends at its date
    ],
    ids=["with_reason", "without_reason"],
)
def test_a_suspension_is_dated_with_its_reason(assistant_card, reason, said):
    doctor = ProfessionalFactory()
    DelegationFactory(
        doctor=doctor,
        delegate=assistant_card.holder,
        suspended=True,
        suspended_at=paris(2026, 2, 1, 10, 30),
        suspension_reason=reason,
    )
    actor = actor_for(assistant_card, ended_acting_for_id=doctor.pk)
    found = withdrawal(actor, DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None and found.doctor == doctor
    assert (
        found.message
        == f"Votre délégation du médecin {doctor.display_name} a été suspendue le 01/02/2026 à 10:30.{said}"
    )


@pytest.mark.django_db
def test_a_delegation_past_its_last_day_has_expired(assistant_card):
    doctor = ProfessionalFactory()
    last_day = timezone.localdate() - DAY
    DelegationFactory(doctor=doctor, delegate=assistant_card.holder, starts_on=last_day - 30 * DAY, ends_on=last_day)
    actor = actor_for(assistant_card, ended_acting_for_id=doctor.pk)
    found = withdrawal(actor, DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None
    assert found.message == (
        f"Votre délégation du médecin {doctor.display_name} a expiré : "
        f"elle était valable jusqu'au {last_day:%d/%m/%Y} inclus."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("dates", ["starts_today", "ends_today"])
def test_back_in_his_own_space_while_the_delegation_is_in_force(assistant_card, dates):
    """Its first and its last day included: he came back to his own space in another tab."""
    doctor = ProfessionalFactory()
    today = timezone.localdate()
    days = {"starts_on": today} if dates == "starts_today" else {"starts_on": today - 30 * DAY, "ends_on": today}
    DelegationFactory(doctor=doctor, delegate=assistant_card.holder, **days)
    found = withdrawal(actor_for(assistant_card), DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None and found.doctor == doctor
    assert found.message == (
        f"Vous n'agissez plus au nom du médecin {doctor.display_name} : vous êtes revenu(e) à votre espace."
    )


@pytest.mark.django_db
def test_a_delegation_not_begun_is_not_in_force(assistant_card):
    doctor = ProfessionalFactory()
    DelegationFactory(doctor=doctor, delegate=assistant_card.holder, starts_on=timezone.localdate() + DAY)
    found = withdrawal(actor_for(assistant_card), DossierAction.CREATE, drawn_for=str(doctor.pk))
    assert found is not None
    assert found.message == f"Votre délégation du médecin {doctor.display_name} n'est plus en cours de validité."
