"""« Dernière modification » in Mes dossiers: who made each dossier's latest change, as the reader is concerned. The
latest change is read for the page's dossiers apart from the list (dossiers.selectors.last_changes): a consultation
is no change, and each dossier gets its own."""

import pytest

from dossiers import services
from dossiers.models import Dossier
from tests.conftest import actor_for, delegate_actor, login_client, make_delegation
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db

PATIENT = {"birth_name": "Durand", "usage_name": "", "first_name": "Marie", "birth_date": "1940-05-01", "sex": "F"}


def _row(page: str, first_name: str) -> str:
    # In the table: the header names the user, whose random first name may be the patient's.
    start = page.index(f">{first_name} ", page.index("<tbody"))
    return page[start : page.index("</tr>", start)]


def test_each_row_says_who_made_its_latest_change(doctor_card):
    assistant_card = CardFactory(card_type="CPE", holder__first_name="Sophie", holder__last_name="Bernard")
    make_delegation(doctor_card, assistant_card, rights=("consult", "edit"))
    doctor, assistant = actor_for(doctor_card), delegate_actor(assistant_card, doctor_card)
    by_doctor = services.create_dossier(actor=doctor, dossier_type="EHPAD", patient={**PATIENT, "first_name": "Anne"})
    by_assistant = services.create_dossier(actor=doctor, dossier_type="EHPAD", patient={**PATIENT, "first_name": "Bea"})
    consulted = services.create_dossier(actor=doctor, dossier_type="USLD", patient={**PATIENT, "first_name": "Cleo"})
    services.update_medical(
        actor=assistant, dossier=by_assistant, data={"antecedents": "HTA"}, expected_version=by_assistant.version
    )
    services.record_consultation(actor=assistant, dossier=Dossier.objects.get(pk=consulted.pk))

    page = login_client(doctor_card).get("/dossiers/").content.decode()
    assert "par vous" in _row(page, "Anne")
    assert "par Sophie BERNARD pour vous" in _row(page, "Bea")
    assert "par vous" in _row(page, "Cleo")  # the assistant only opened it

    page = login_client(assistant_card, acting_for=doctor_card).get("/dossiers/").content.decode()
    assert f"par {doctor_card.holder.display_name}<" in _row(page, "Anne")
    assert "par vous" in _row(page, "Bea")
    assert by_doctor.number in _row(page, "Anne")


def test_the_latest_changes_are_read_among_the_doctor_s_own_dossiers_only(doctor_card, other_doctor_card):
    from dossiers.selectors import last_changes, listed, search_dossiers

    dossier = services.create_dossier(actor=actor_for(doctor_card), dossier_type="EHPAD", patient=PATIENT)
    rows = listed(search_dossiers(actor_for(doctor_card))[:20])
    assert [row.pk for row in rows] == [dossier.pk]
    assert set(last_changes(doctor_card.holder.professional.pk, rows)) == {dossier.pk}
    assert last_changes(other_doctor_card.holder.professional.pk, rows) == {}  # given another doctor's ids: nothing
