"""A doctor typing a long volet médical is warned before the idle logout and stays logged in without losing a word."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import JEAN_MARTIN, assert_accessible_at_both_widths, field, log_in

pytestmark = pytest.mark.browser


def test_the_doctor_is_warned_and_stays_logged_in_without_losing_his_text(page: Page, settings):
    # A 125-second session: the warning (120 s before the end) comes about 5 s after the page loads.
    settings.SESSION_COOKIE_AGE = 125
    log_in(page, JEAN_MARTIN)
    page.get_by_role("link", name="Yvette ROUSSEAU").click()
    field(page, "Commentaire").fill("Une longue observation, tapée sans enregistrer.")

    dialog = page.get_by_role("dialog", name="Votre session va expirer")
    expect(dialog).to_be_visible(timeout=15_000)
    assert_accessible_at_both_widths(page, "expiration-session")
    page.set_viewport_size({"width": 1280, "height": 900})
    dialog.get_by_role("button", name="Rester connecté").click()
    expect(dialog).to_be_hidden()

    seconds_left = page.evaluate("fetch('/connexion/session/').then(r => r.json()).then(d => d.seconds_left)")
    assert 120 <= seconds_left <= 125
    expect(field(page, "Commentaire")).to_have_value("Une longue observation, tapée sans enregistrer.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le volet médical a été enregistré.")).to_be_visible()


def test_an_ended_session_is_said_in_the_dialog(page: Page, settings):
    # An 8-second session warned 4 seconds before its end.
    settings.SESSION_COOKIE_AGE = 8
    settings.SESSION_IDLE_WARNING = 4
    log_in(page, JEAN_MARTIN)
    page.get_by_role("link", name="Yvette ROUSSEAU").click()
    dialog = page.get_by_role("dialog", name="Votre session va expirer")
    expect(dialog).to_be_visible(timeout=15_000)
    # Nobody answers: just after the end, the dialog says the session has ended and what to do.
    expect(dialog.get_by_text(re.compile("Votre session a expiré. Copiez ce que vous avez saisi"))).to_be_visible(
        timeout=15_000
    )
    expect(dialog.get_by_role("button", name="Rester connecté")).to_be_hidden()
