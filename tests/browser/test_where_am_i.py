"""Knowing where you are: the banner while acting for a doctor stays in view, the headings say whose dossiers these
are, the name in the header opens Mon compte, a blocked card says whom to call."""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations.models import Delegation, Kind, State
from directory.models import Professional

from .helpers import JEAN_MARTIN, assert_accessible_at_both_widths, field, log_in, submit_pin

pytestmark = pytest.mark.browser

SOPHIE_BERNARD = "Sophie BERNARD — CPE n° 8000000005"
BANNER = "Vous agissez au nom du médecin Jean MARTIN"


@pytest.fixture
def sophie_for_martin(demo_site):
    sophie = User.objects.get(last_name="BERNARD")
    return Delegation.objects.create(
        doctor=Professional.objects.get(last_name="MARTIN", first_name="Jean"),
        kind=Kind.ASSISTANT,
        invited_first_name="Sophie",
        invited_last_name="BERNARD",
        invited_email="sophie.bernard@example.org",
        delegate=sophie,
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        state=State.ACCEPTED,
        answered_at=timezone.now(),
        created_by=User.objects.get(last_name="MARTIN"),
        can_consult=True,
        can_edit=True,
    )


def banner_in_view(page: Page) -> bool:
    """The banner's box lies within the viewport's top (it scrolled with the page if not sticky)."""
    box = page.get_by_role("region", name="Délégation en cours").bounding_box()
    return box is not None and -1 <= box["y"] <= 1


def test_acting_for_a_doctor_the_pages_say_whose_dossiers_and_the_banner_stays(page: Page, sophie_for_martin):
    log_in(page, SOPHIE_BERNARD)
    page.get_by_role("link", name="Délégations reçues").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Délégations reçues")
    assert_accessible_at_both_widths(page, "recues")
    page.get_by_role("button", name="Agir au nom du Dr Jean MARTIN", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossiers du Dr Jean MARTIN")
    expect(page).to_have_title(re.compile("^Dossiers du Dr Jean MARTIN — "))
    expect(page.get_by_text(BANNER)).to_be_visible()
    assert_accessible_at_both_widths(page, "acting-dossiers")

    page.get_by_role("link", name="André GIRARD").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossier d'André GIRARD")
    expect(page.get_by_role("link", name="Dossiers du Dr Jean MARTIN")).to_be_visible()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 700})
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function("window.scrollY > 300")
        assert banner_in_view(page), f"banner out of view at {width} px"
        expect(page.get_by_text(BANNER)).to_be_in_viewport()
        # A field focused lower on the page is scrolled into view below the banner, not under it.
        field(page, "Commentaire").evaluate("e => e.blur()")
        field(page, "Commentaire").focus()
        field_box = field(page, "Commentaire").bounding_box()
        banner_box = page.get_by_role("region", name="Délégation en cours").bounding_box()
        assert field_box and banner_box and field_box["y"] >= banner_box["y"] + banner_box["height"]
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible_at_both_widths(page, "acting-dossier")


def test_the_name_in_the_header_opens_mon_compte(page: Page):
    log_in(page, JEAN_MARTIN)
    page.get_by_role("link", name="Mon compte : Jean MARTIN (CPS)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    main = page.locator("main")
    expect(main).to_contain_text("« Lecteur de carte CPx (démonstration) », avec votre carte CPS")
    expect(main).to_contain_text("99700001011")
    expect(main).to_contain_text("8000000001")
    expect(page.get_by_role("region", name="Tableau de vos dernières connexions").get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("cell", name="Connexion réussie")).to_be_visible()
    assert_accessible_at_both_widths(page, "mon-compte")

    # On a phone the DSFR copies the link into the menu.
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Mon compte : Jean MARTIN (CPS)")).to_be_visible()
    if folder := os.environ.get("SCREENSHOTS_DIR"):
        page.screenshot(path=f"{folder}/mon-compte-menu-375.png")


def test_a_blocked_card_says_how_to_reach_the_operator(page: Page, settings):
    settings.SUPPORT_EMAIL = "support@example.org"
    settings.SUPPORT_PHONE = "01 23 45 67 89"
    page.goto("/connexion/")
    for pin in ("0000", "0001", "0002", "0003"):
        submit_pin(page, JEAN_MARTIN, pin)
    message = page.locator(".fr-error-text").get_by_text(
        re.compile("Cette carte est bloquée après 3 codes PIN erronés")
    )
    expect(message).to_have_text(
        "Cette carte est bloquée après 3 codes PIN erronés. Pour la faire débloquer, contactez l'opérateur de la "
        "plateforme par courriel à support@example.org ou par téléphone au 01 23 45 67 89."
    )
    assert_accessible_at_both_widths(page, "carte-bloquee")


def test_without_a_contact_configured_the_message_says_the_operator_only(page: Page, settings):
    settings.SUPPORT_EMAIL = settings.SUPPORT_PHONE = ""
    page.goto("/connexion/")
    for pin in ("0000", "0001", "0002"):
        submit_pin(page, JEAN_MARTIN, pin)
    expect(page.locator(".fr-error-text").get_by_text(re.compile("Votre carte est maintenant bloquée"))).to_have_text(
        "Code PIN incorrect. Votre carte est maintenant bloquée après 3 codes PIN erronés. Pour la faire débloquer, "
        "contactez l'opérateur de la plateforme."
    )
