"""« Valider le volet médical »: a confirmation page that shows what is signed, in whose name, and what is missing."""

import html

import pytest

from dossiers.models import Status
from journal.models import Action, Entry
from tests.conftest import login_client
from tests.factories import CardFactory, DelegationFactory, DossierFactory


def text(response):
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_page_shows_what_is_signed_and_the_post_signs(doctor_card):
    dossier = DossierFactory(medecin_traitant=doctor_card.holder.professional, gir=4, allergies="Pénicilline")
    client = login_client(doctor_card)
    page = text(client.get(f"/dossiers/{dossier.number}/valider/"))
    assert "Ce que vous signez" in page and "Pénicilline" in page and "GIR 4" in page
    assert "Vous allez valider et signer ce volet médical" in page and "au nom du médecin" not in page
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS  # looking signs nothing
    response = client.post(f"/dossiers/{dossier.number}/valider/", {"version": dossier.version})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.VALIDATED
    assert Entry.objects.filter(dossier=dossier, action=Action.MEDICAL_VALIDATED).count() == 1


@pytest.mark.django_db
def test_missing_parts_are_listed_before_any_click(doctor_card):
    dossier = DossierFactory(medecin_traitant=doctor_card.holder.professional, gir=None)
    page = text(login_client(doctor_card).get(f"/dossiers/{dossier.number}/valider/"))
    assert "Ce volet médical ne peut pas encore être validé" in page
    assert f'href="/dossiers/{dossier.number}/#id_gir">GIR</a>' in page
    assert 'type="submit"' not in page.split("<main")[1].split("</main>")[0]  # no button to sign


@pytest.mark.django_db
def test_a_volet_changed_since_the_page_is_not_signed(doctor_card):
    """What is signed is what was shown: a newer version is refused, the signer reads it again."""
    dossier = DossierFactory(medecin_traitant=doctor_card.holder.professional, gir=4)
    client = login_client(doctor_card)
    response = client.post(f"/dossiers/{dossier.number}/valider/", {"version": dossier.version - 1}, follow=True)
    assert "modifié entre-temps" in text(response)
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_the_dossier_page_links_to_the_confirmation(doctor_card):
    dossier = DossierFactory(medecin_traitant=doctor_card.holder.professional, gir=4)
    page = text(login_client(doctor_card).get(f"/dossiers/{dossier.number}/"))
    assert f'href="/dossiers/{dossier.number}/valider/">Valider le volet médical</a>' in page


@pytest.mark.django_db
def test_the_page_journals_a_consultation_as_the_dossier_page_does(doctor_card):
    """It shows the whole volet médical: a delegate's look is told to the doctor like any consultation."""
    doctor = doctor_card.holder.professional
    dossier = DossierFactory(medecin_traitant=doctor, gir=4)
    client = login_client(doctor_card)
    assert client.get(f"/dossiers/{dossier.number}/valider/").status_code == 200
    viewed = Entry.objects.filter(dossier=dossier, action=Action.DOSSIER_VIEWED)
    assert viewed.count() == 1 and not viewed.get().is_delegated
    delegation = DelegationFactory(doctor=doctor, colleague_doctor=True, can_validate=True)
    colleague = login_client(CardFactory(card_type="CPS", holder=delegation.delegate))
    colleague.post(f"/delegations/agir/{delegation.pk}/")
    assert colleague.get(f"/dossiers/{dossier.number}/valider/").status_code == 200
    assert viewed.count() == 2 and viewed.filter(is_delegated=True, actor=delegation.delegate).count() == 1


@pytest.mark.django_db
def test_the_back_link_elides_the_patients_name(doctor_card):
    dossier = DossierFactory(
        medecin_traitant=doctor_card.holder.professional, patient__first_name="André", patient__birth_name="Girard"
    )
    page = text(login_client(doctor_card).get(f"/dossiers/{dossier.number}/valider/"))
    assert "Dossier d'André GIRARD</a>" in page and "Dossier de André" not in page
