"""axe-core finds no serious or critical accessibility violation on the main pages."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import JEAN_MARTIN, assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_login_page_is_accessible(page: Page):
    page.goto("/connexion/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert_accessible(page)


def test_dossier_list_and_dossier_pages_are_accessible(page: Page):
    log_in(page, JEAN_MARTIN)
    assert_accessible(page)

    page.get_by_role("link", name="Yvette ROUSSEAU").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU"))
    assert_accessible(page)

    page.get_by_role("link", name="Voir tout l'historique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("HISTORIQUE DES ACTIONS"))
    assert_accessible(page)


def test_not_found_page_is_accessible(page: Page):
    log_in(page, JEAN_MARTIN)
    page.goto("/dossiers/inexistant/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert_accessible(page)


def test_dossier_pages_are_accessible_on_a_small_screen(page: Page):
    """At 375 px the tables scroll sideways: their scrolling region must be reachable with the keyboard."""
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, JEAN_MARTIN)
    assert_accessible(page)
    page.goto(page.get_by_role("link", name="Yvette ROUSSEAU").get_attribute("href"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU"))
    assert_accessible(page)
    page.goto(page.get_by_role("link", name="Voir tout l'historique").get_attribute("href"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("HISTORIQUE DES ACTIONS"))
    assert_accessible(page)
