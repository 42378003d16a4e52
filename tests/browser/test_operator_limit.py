"""An operator's login tripping the admin's limit gets the project's French 429 page, on a wide and a small screen."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User

from .helpers import assert_accessible_at_both_widths

pytestmark = pytest.mark.browser


def test_the_admin_login_limit_shows_the_french_429_page(page: Page, settings):
    settings.RATELIMIT_ADMIN_PER_ACCOUNT = "2/15m"
    User.objects.create_superuser("operateur.durand", "correct horse battery staple")
    for attempt in range(3):
        page.goto("/gestion/login/")
        page.locator("#id_username").fill("operateur.durand")
        page.locator("#id_password").fill("correct horse battery staple" if attempt == 2 else f"faux-{attempt}")
        page.locator("input[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trop de tentatives")
    expect(page.get_by_text("Trop de tentatives, réessayez dans quelques minutes.")).to_be_visible()
    assert_accessible_at_both_widths(page, "gestion-429")
