import datetime

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Card, User
from core.text import normalize
from delegations.models import Delegation, Kind, State
from directory.models import PracticePlace, Professional
from dossiers.models import SIGNED, Dossier, Patient, Status

PIN = "1234"


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    id_type = "8"
    identifier = factory.Sequence(lambda n: f"997{n:08d}")
    national_id = factory.LazyAttribute(lambda o: f"8{o.identifier}")
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    profession_code = "10"
    profession = "Médecin"
    search_last_name = factory.LazyAttribute(lambda o: normalize(o.last_name))
    search_first_name = factory.LazyAttribute(lambda o: normalize(o.first_name))


class PracticePlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticePlace

    professional = factory.SubFactory(ProfessionalFactory)
    mode_code = "L"
    mode = "Libéral"
    postal_code = "69003"
    commune = "Lyon"
    search_commune = "lyon"
    department_code = "69"
    email = factory.Faker("email")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    identifier = factory.Sequence(lambda n: f"3TEST{n:06d}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Faker("email")


class DoctorUserFactory(UserFactory):
    professional = factory.SubFactory(ProfessionalFactory)
    identifier = factory.LazyAttribute(lambda o: o.professional.national_id)
    first_name = factory.LazyAttribute(lambda o: o.professional.first_name)
    last_name = factory.LazyAttribute(lambda o: o.professional.last_name)


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    number = factory.Sequence(lambda n: f"9{n:09d}")
    card_type = "CPS"
    holder = factory.SubFactory(DoctorUserFactory)
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
    pin_hash = factory.LazyFunction(lambda: make_password(PIN))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    birth_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    birth_date = datetime.date(1940, 1, 1)
    sex = "F"


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier

    number = factory.Sequence(lambda n: f"T-{n:07d}")
    dossier_type = "EHPAD"
    patient = factory.SubFactory(PatientFactory)
    medecin_traitant = factory.SubFactory(ProfessionalFactory)
    status = Status.IN_PROGRESS
    # A validated or sent volet médical is signed (a database constraint): by someone, at some time.
    validated_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in SIGNED), factory.SubFactory(DoctorUserFactory), None
    )
    validated_at = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status in SIGNED), factory.LazyFunction(timezone.now), None
    )


def _today() -> datetime.date:
    return timezone.localdate()


class DelegationFactory(factory.django.DjangoModelFactory):
    """A doctor's delegation, accepted by an assistant, from yesterday, without end, with « Consulter ».

    Traits: `pending`, `refused`, `expired`, `deleted`, `suspended` (its state, with what each state carries), and
    `colleague` (a doctor chosen from the directory, his account as delegate, an end date). Rights as columns:
    `can_edit=True`… (« consult » is implied by the others, as the policy says)."""

    class Meta:
        model = Delegation

    class Params:
        pending = factory.Trait(state=State.PENDING, delegate=None, answered_at=None)
        refused = factory.Trait(state=State.REFUSED, delegate=None)
        expired = factory.Trait(
            state=State.EXPIRED,
            starts_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=60)),
            ends_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1)),
        )
        deleted = factory.Trait(state=State.DELETED, deleted_at=factory.LazyFunction(timezone.now))
        suspended = factory.Trait(
            state=State.SUSPENDED,
            suspended_at=factory.LazyFunction(timezone.now),
            suspension_reason="La personne n'est plus inscrite à l'annuaire national des professionnels de santé.",
        )
        colleague_doctor = factory.Trait(
            kind=Kind.COLLEAGUE,
            colleague=factory.SubFactory(ProfessionalFactory),
            delegate=factory.LazyAttribute(
                lambda o: (
                    None if o.state in (State.PENDING, State.REFUSED) else DoctorUserFactory(professional=o.colleague)
                )
            ),
            ends_on=factory.LazyFunction(lambda: _today() + datetime.timedelta(days=30)),
        )

    doctor = factory.SubFactory(ProfessionalFactory)
    kind = Kind.ASSISTANT
    delegate = factory.SubFactory(UserFactory)
    invited_first_name = factory.LazyAttribute(lambda o: o.delegate.first_name if o.delegate else "Sophie")
    invited_last_name = factory.LazyAttribute(lambda o: o.delegate.last_name if o.delegate else "BERNARD")
    invited_email = factory.LazyAttribute(lambda o: (o.delegate.email if o.delegate else "") or "invite@example.org")
    colleague = None
    starts_on = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1))
    ends_on = None
    state = State.ACCEPTED
    can_consult = True
    created_by = factory.LazyAttribute(
        lambda o: User.objects.filter(professional=o.doctor).first() or DoctorUserFactory(professional=o.doctor)
    )
    answered_at = factory.LazyFunction(timezone.now)
