"""The doctor's day in a real browser: the demo card reader, the volet médical, card blocking, access control."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Card
from dossiers.models import Dossier

from .helpers import CLAIRE_DUBOIS, DEMO_PIN, JEAN_MARTIN, field, log_in, submit_pin

pytestmark = pytest.mark.browser

MEDICAL = {
    "Antécédents": "Fracture du col du fémur (2019)",
    "Pathologies en cours": "Maladie d'Alzheimer, stade modéré",
    "Traitements en cours": "Donépézil 10 mg le soir",
    "Allergies": "Pénicilline",
    "Commentaire": "Chutes répétées à domicile",
}


def history(page: Page):
    return page.locator("section").filter(has=page.get_by_role("heading", name="HISTORIQUE DES ACTIONS"))


def test_doctor_fills_and_validates_the_volet_medical(page: Page):
    log_in(page, JEAN_MARTIN)
    page.get_by_role("link", name="Yvette ROUSSEAU").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU"))

    for label, value in MEDICAL.items():
        field(page, label).fill(value)
    field(page, "GIR").select_option(label="GIR 3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le volet médical a été enregistré.")).to_be_visible()
    expect(field(page, "Allergies")).to_have_value("Pénicilline")

    page.get_by_role("link", name="Valider le volet médical").click()
    expect(page.get_by_role("heading", name="Vous allez valider et signer ce volet médical")).to_be_visible()
    expect(page.get_by_role("region", name="Ce que vous signez")).to_contain_text("Pénicilline")
    page.get_by_role("button", name="Valider le volet médical").click()
    expect(page.get_by_text("Le volet médical a été validé et signé.")).to_be_visible()
    expect(page.get_by_text("Volet médical validé", exact=True)).to_be_visible()

    expect(history(page)).to_contain_text("Le médecin Jean MARTIN a fait l'action « Modification du volet médical »")
    expect(history(page)).to_contain_text("Le médecin Jean MARTIN a fait l'action « Validation du volet médical »")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.goto("/dossiers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def test_three_wrong_pins_block_the_card(page: Page):
    page.goto("/connexion/")
    submit_pin(page, JEAN_MARTIN, "0000")
    # Said by the field and in the page's error summary.
    expect(page.locator("#resume-erreurs")).to_contain_text("Il vous reste 2 essais avant le blocage de la carte.")
    expect(page.locator("form").get_by_text("Il vous reste 2 essais avant le blocage de la carte.")).to_be_visible()
    submit_pin(page, JEAN_MARTIN, "0001")
    expect(page.locator("form").get_by_text("Il vous reste 1 essai avant le blocage de la carte.")).to_be_visible()
    submit_pin(page, JEAN_MARTIN, "0002")
    expect(
        page.locator("form").get_by_text(re.compile("Votre carte est maintenant bloquée après 3 codes PIN erronés"))
    ).to_be_visible()

    submit_pin(page, JEAN_MARTIN, DEMO_PIN)
    expect(
        page.locator("form").get_by_text(re.compile("Cette carte est bloquée après 3 codes PIN erronés"))
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.goto("/dossiers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert Card.objects.get(number="8000000001").is_blocked


def test_a_doctor_cannot_open_another_doctors_dossier(page: Page):
    number = Dossier.objects.get(patient__birth_name="ROUSSEAU").number
    log_in(page, CLAIRE_DUBOIS)
    expect(page.get_by_role("link", name="Yvette ROUSSEAU")).to_have_count(0)

    response = page.goto(f"/dossiers/{number}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.locator("main")).not_to_contain_text("ROUSSEAU")
