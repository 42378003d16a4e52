"""On a phone the header menu is a DSFR modal: « Menu » opens it, with the navigation and « Se déconnecter »."""

import pytest
from playwright.sync_api import Page, expect

from .helpers import JEAN_MARTIN, assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_menu_and_logout_on_a_small_screen(page: Page):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, JEAN_MARTIN)
    # Hidden elements are not in the accessibility tree: the menu and its « Se déconnecter » are closed.
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    expect(page.get_by_role("link", name="Mes dossiers", exact=True)).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Mes dossiers", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Fermer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
