"""« Agir au nom de » switched in another tab between drawing a dossier form and sending it: nothing is saved for
the new principal, the French « Rien n'a été enregistré » page says for whom the session acts now and gives back
what was typed (delegations.authz.withdrawal, dossiers.views._not_saved)."""

import html

import pytest

from dossiers.models import Dossier, Status
from tests.conftest import login_client
from tests.factories import CardFactory, DelegationFactory, DossierFactory

PATIENT = {
    "dossier_type": "EHPAD",
    "birth_name": "Girard",
    "first_name": "André",
    "birth_date": "1940-01-02",
    "sex": "M",
}


def drawn_for(page: str) -> set[str]:
    """The drawn_for values of every form of a page."""
    return {line.split('value="')[1].split('"')[0] for line in page.split("<input") if 'name="drawn_for"' in line}


def act_for(client, delegation):
    assert client.post(f"/delegations/agir/{delegation.pk}/").status_code == 302


def not_saved(response, says):
    assert response.status_code == 403
    page = html.unescape(response.content.decode())
    assert "Rien n'a été enregistré" in page and says in page
    return page


@pytest.mark.django_db
def test_an_assistant_switching_doctor_in_another_tab_creates_nothing_for_the_new_one(assistant_card):
    first = DelegationFactory(delegate=assistant_card.holder, can_create=True)
    second = DelegationFactory(delegate=assistant_card.holder, can_create=True)
    x, y = first.doctor, second.doctor
    client = login_client(assistant_card)
    act_for(client, first)
    assert drawn_for(client.get("/dossiers/nouveau/").content.decode()) == {str(x.pk)}
    act_for(client, second)  # the other tab
    page = not_saved(
        client.post("/dossiers/nouveau/", {**PATIENT, "drawn_for": x.pk}),
        f"Vous agissez maintenant au nom du médecin {y.display_name}.",
    )
    assert f"pour le médecin {x.display_name} n'a pas été enregistré" in page
    assert "Girard</textarea>" in page  # what she typed, to copy
    assert not Dossier.objects.filter(patient__birth_name="Girard").exists()
    # Sent from a page drawn for Dr Y, it is created for him.
    assert client.post("/dossiers/nouveau/", {**PATIENT, "drawn_for": y.pk}).status_code == 302
    assert Dossier.objects.get(patient__birth_name="Girard").medecin_traitant == y


@pytest.mark.django_db
def test_a_doctor_acting_for_a_colleague_in_another_tab_creates_nothing_from_his_own_space(doctor_card):
    own = doctor_card.holder.professional
    delegation = DelegationFactory(colleague_doctor=True, colleague=own, can_create=True)
    client = login_client(doctor_card)
    assert drawn_for(client.get("/dossiers/nouveau/").content.decode()) == {str(own.pk)}
    act_for(client, delegation)
    page = not_saved(
        client.post("/dossiers/nouveau/", {**PATIENT, "drawn_for": own.pk}),
        f"Vous agissez maintenant au nom du médecin {delegation.doctor.display_name}.",
    )
    assert "depuis votre propre espace n'a pas été enregistré" in page
    assert not Dossier.objects.filter(patient__birth_name="Girard").exists()


@pytest.mark.django_db
def test_a_page_drawn_for_a_doctor_he_never_acted_for_saves_nothing_in_his_own_space(doctor_card):
    stranger = CardFactory().holder.professional
    client = login_client(doctor_card)
    page = not_saved(
        client.post("/dossiers/nouveau/", {**PATIENT, "drawn_for": stranger.pk}),
        "Vous agissez maintenant dans votre propre espace.",
    )
    assert stranger.display_name not in page  # an id typed by hand reveals no name
    assert not Dossier.objects.filter(patient__birth_name="Girard").exists()


@pytest.mark.django_db
def test_every_form_of_the_dossier_pages_says_its_principal(doctor_card):
    own = doctor_card.holder.professional
    dossier = DossierFactory(medecin_traitant=own, gir=2)
    client = login_client(doctor_card)
    detail = client.get(f"/dossiers/{dossier.number}/").content.decode()
    assert detail.count('name="drawn_for"') >= 2  # volet médical, archive (send once validated)
    assert drawn_for(detail) == {str(own.pk)}
    assert drawn_for(client.get(f"/dossiers/{dossier.number}/valider/").content.decode()) == {str(own.pk)}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["volet-medical", "valider", "envoyer", "archiver"])
def test_no_dossier_change_after_the_switch(path):
    """Dr DUBOIS, a colleague with every right from two doctors (validating needs a médecin)."""
    rights = {"can_edit": True, "can_create": True, "can_validate": True}
    first = DelegationFactory(colleague_doctor=True, **rights)
    second = DelegationFactory(colleague_doctor=True, colleague=first.colleague, **rights)
    dossier = DossierFactory(medecin_traitant=second.doctor, gir=2, antecedents="Déjà là")
    client = login_client(CardFactory(card_type="CPS", holder=first.delegate))
    act_for(client, second)
    data = {"version": dossier.version, "antecedents": "Saisi pour un autre", "drawn_for": first.doctor.pk}
    not_saved(
        client.post(f"/dossiers/{dossier.number}/{path}/", data),
        f"Vous agissez maintenant au nom du médecin {second.doctor.display_name}.",
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS and dossier.antecedents == "Déjà là"
