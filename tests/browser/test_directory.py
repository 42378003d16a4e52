"""In a real browser: the Annuaire page finds a doctor by name and town, accents ignored."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import JEAN_MARTIN, assert_accessible, assert_accessible_at_both_widths, log_in

pytestmark = pytest.mark.browser


def search(page: Page, name: str, place: str) -> None:
    # The labels also hold the DSFR « (Optionnel) » mark and the help text: matched by their start.
    page.get_by_label(re.compile(r"^\s*Nom\b")).fill(name)
    page.get_by_label(re.compile(r"^\s*Lieu d'exercice\b")).fill(place)
    page.get_by_role("button", name="Rechercher").click()


def test_a_doctor_finds_a_colleague_by_name_and_town(page: Page):
    log_in(page, JEAN_MARTIN)
    page.get_by_role("link", name="Annuaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Annuaire"))

    # Homonyms told apart by their town: LEFÈVRE in Lyon, LEFEVRE in Marseille.
    search(page, "lefev", "lyon")
    results = page.get_by_role("table", name="Résultats de la recherche dans l'annuaire")
    expect(results).to_contain_text("Paul LEFÈVRE")
    expect(results).not_to_contain_text("Anne LEFEVRE")
    expect(page.get_by_text("1 résultat.")).to_be_visible()
    assert_accessible(page)

    search(page, "LEFEVRE", "13")
    expect(results).to_contain_text("Anne LEFEVRE")
    expect(results).not_to_contain_text("Paul LEFÈVRE")

    search(page, "martin", "villeurbanne")
    expect(results).to_contain_text("Aucun professionnel ne correspond à cette recherche.")

    # A name alone: both homonyms, in name then first-name order.
    search(page, "lefev", "")
    rows = results.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Anne LEFEVRE")
    expect(rows.nth(1)).to_contain_text("Paul LEFÈVRE")
    expect(page.get_by_text("2 résultats.")).to_be_visible()
    assert_accessible_at_both_widths(page, "annuaire-nom-seul")
