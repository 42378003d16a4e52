import pytest

from dossiers import services as dossier_services
from journal.models import Entry
from tests.conftest import actor_for
from tests.factories import CardFactory, DelegationFactory, DossierFactory, PatientFactory, UserFactory


@pytest.fixture
def people(db):
    """Dr MARTIN, his assistant Sophie (accepted), a second delegate whose delegation ended, and another doctor."""
    martin = CardFactory(
        card_type="CPS", holder__professional__first_name="Jean", holder__professional__last_name="MARTIN"
    )
    sophie = CardFactory(card_type="CPE", holder=UserFactory(first_name="Sophie", last_name="BERNARD"))
    paul = CardFactory(card_type="CPE", holder=UserFactory(first_name="Paul", last_name="ANCIEN"))
    durand = CardFactory(
        card_type="CPS", holder__professional__first_name="Luc", holder__professional__last_name="DURAND"
    )
    doctor = martin.holder.professional
    DelegationFactory(
        doctor=doctor, delegate=sophie.holder, invited_first_name="Sophie", invited_last_name="BERNARD", can_edit=True
    )
    DelegationFactory(
        doctor=doctor, delegate=paul.holder, invited_first_name="Paul", invited_last_name="ANCIEN", can_edit=True
    )
    alice = DossierFactory(medecin_traitant=doctor, patient=PatientFactory(birth_name="Lefèvre", first_name="Alice"))
    bruno = DossierFactory(medecin_traitant=doctor, patient=PatientFactory(birth_name="Garnier", first_name="Bruno"))
    # A name of its own: a random one was once « Lefèvre » or « Garnier », and a filter on it found Dr MARTIN's rows.
    other = DossierFactory(
        medecin_traitant=durand.holder.professional, patient=PatientFactory(birth_name="Rousseau", first_name="Chloé")
    )
    return {"martin": martin, "sophie": sophie, "paul": paul, "durand": durand, "alice": alice, "bruno": bruno,
            "other": other}  # fmt: skip


def acting(card, doctor_card):
    return actor_for(card, acting_for_id=doctor_card.holder.professional.pk)


def edit(actor, dossier, **data):
    dossier.refresh_from_db()
    values = {**dossier.medical_values(), **data}
    return dossier_services.update_medical(actor=actor, dossier=dossier, data=values, expected_version=dossier.version)


def view(actor, dossier):
    dossier_services.record_consultation(actor=actor, dossier=dossier)


def last_entry() -> Entry:
    return Entry.objects.order_by("-sequence").first()
