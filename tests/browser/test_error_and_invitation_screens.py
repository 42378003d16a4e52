"""Two screens of the hardening round, in Chromium: the invitation link opened by someone else than the invited
person, and the French 500 page of a logged-in user; both at 1280 and 375 px, without axe-core violation.
With SCREENSHOTS_DIR set to a directory, the screenshots are kept there (for review)."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations import services as delegation_services
from delegations.models import Delegation, Kind
from tests.browser.helpers import CLAIRE_DUBOIS, assert_accessible_at_both_widths, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_invitation_opened_by_someone_else_shows_nothing_of_it(page: Page):
    martin = User.objects.get(last_name="MARTIN")
    delegation = Delegation.objects.create(
        doctor=martin.professional,
        kind=Kind.ASSISTANT,
        invited_first_name="Sophie",
        invited_last_name="BERNARD",
        invited_email="sophie.bernard@example.org",
        starts_on=timezone.localdate(),
        created_by=martin,
        can_consult=True,
    )
    token, _ = delegation_services._new_invitation(delegation)
    log_in(page, CLAIRE_DUBOIS)
    page.goto(f"/delegations/invitation/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cette invitation est destinée à une autre personne")
    expect(page.get_by_role("alert")).to_contain_text("Vous êtes connecté(e) avec la carte de Claire DUBOIS")
    body = page.locator("main").inner_text()
    assert "MARTIN" not in body and "Consulter" not in body and "Accepter" not in body
    expect(page.locator("main").get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert_accessible_at_both_widths(page, "invitation-autre-personne")


def test_the_french_500_page_of_a_logged_in_user(page: Page, settings):
    settings.ROOT_URLCONF = "tests.security.error_urls"
    log_in(page, CLAIRE_DUBOIS)
    response = page.goto("/essai/panne/")
    assert response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Erreur du service")
    expect(page.get_by_text("Une erreur inattendue est survenue. Réessayez dans quelques instants.")).to_be_visible()
    assert_accessible_at_both_widths(page, "erreur-500")
