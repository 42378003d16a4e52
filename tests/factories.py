import datetime

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Card, User
from core.text import normalize
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
