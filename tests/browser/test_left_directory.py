"""A professional who leaves the directory leaves the platform, in a real browser.

Dr DUBOIS acts for Dr MARTIN; the directory then says she is no longer registered. Her page in progress ends with
the reason, her card no longer logs in, and Dr MARTIN's MES DELEGATIONS shows the delegation « Suspendue » with
the reason and without « Modifier ». SCREENSHOTS_DIR (optional) keeps the screens at 1280 and 375 px wide.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations.models import Delegation, Kind, State
from delegations.services import suspend_for_inactive_professionals
from directory.models import Professional

from .helpers import CLAIRE_DUBOIS, JEAN_MARTIN, assert_accessible_at_both_widths, log_in, submit_pin

pytestmark = pytest.mark.browser

REFUSAL = "Votre inscription à l'annuaire national des professionnels de santé n'est plus active"


def test_a_doctor_struck_off_loses_his_session_his_login_and_his_delegation(page: Page):
    martin = User.objects.get(last_name="MARTIN")
    dubois = User.objects.get(last_name="DUBOIS")
    delegation = Delegation.objects.create(
        doctor=martin.professional,
        kind=Kind.COLLEAGUE,
        colleague=dubois.professional,
        delegate=dubois,
        invited_first_name="Claire",
        invited_last_name="DUBOIS",
        invited_email="claire.dubois@example.org",
        can_consult=True,
        can_validate=True,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        state=State.ACCEPTED,
        created_by=martin,
        answered_at=timezone.now(),
    )
    log_in(page, CLAIRE_DUBOIS)

    # The import says she is no longer registered; its signal suspends her delegations.
    Professional.objects.filter(pk=dubois.professional_id).update(is_active=False)
    assert suspend_for_inactive_professionals() == 1

    # Her page in progress: the next request ends the session, with the reason.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    expect(page.get_by_text(REFUSAL)).to_be_visible()
    # Her card no longer logs in (right PIN), and the page says why.
    submit_pin(page, CLAIRE_DUBOIS, "1234")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    expect(page.locator("form").get_by_text(REFUSAL)).to_be_visible()  # and in the error summary
    expect(page.locator("#resume-erreurs")).to_contain_text(REFUSAL)
    assert_accessible_at_both_widths(page, "login-refused")

    # Dr MARTIN sees it « Suspendue », with the reason, and cannot modify it.
    log_in(page, JEAN_MARTIN)
    page.goto("/delegations/")
    row = page.get_by_role("row").filter(has_text="Claire DUBOIS")
    expect(row).to_contain_text("Suspendue")
    expect(row).to_contain_text("Claire DUBOIS n'est plus inscrit(e) à l'annuaire national")
    expect(row.get_by_role("link", name="Modifier")).to_have_count(0)
    assert_accessible_at_both_widths(page, "mes-delegations-suspendue")
    row.get_by_role("link", name="Consulter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Délégation à Claire DUBOIS"))
    expect(page.get_by_text("Suspension de la délégation")).to_be_visible()
    assert_accessible_at_both_widths(page, "delegation-suspendue-detail")
    delegation.refresh_from_db()
    assert delegation.state == State.SUSPENDED
