"""A delegation's page in a real browser: its history by pages of 25, newest first, page 2 reached by « Page suivante ».
SCREENSHOTS_DIR (optional) keeps the screens at 1280 and 375 px wide; axe-core at both widths."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations.models import Delegation, Kind, State
from journal.models import Action, ActorRole
from journal.services import record

from .helpers import JEAN_MARTIN, assert_accessible_at_both_widths, log_in

pytestmark = pytest.mark.browser


def test_the_doctor_pages_through_a_delegations_history(page: Page):
    martin = User.objects.get(last_name="MARTIN")
    delegation = Delegation.objects.create(
        doctor=martin.professional,
        kind=Kind.ASSISTANT,
        invited_first_name="Sophie",
        invited_last_name="BERNARD",
        invited_email="sophie.bernard@example.org",
        can_consult=True,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        state=State.PENDING,
        created_by=martin,
    )
    for n in range(30):
        record(action=Action.DELEGATION_RESENT, actor_user=martin, actor_name=martin.display_name,
               actor_role=ActorRole.DOCTOR, on_behalf_of=martin.professional, delegation=delegation,
               detail=f"envoi n° {n + 1:02d}")  # fmt: skip
    log_in(page, JEAN_MARTIN)
    page.goto(f"/delegations/{delegation.pk}/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("envoi n° 30")
    expect(page.get_by_label("Pagination")).to_contain_text("1 / 2")
    assert_accessible_at_both_widths(page, "delegation-history-1")
    page.get_by_role("link", name="Page suivante").click()
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("envoi n° 05")
    expect(rows.last).to_contain_text("envoi n° 01")
    expect(page.get_by_role("heading", level=1)).to_have_text("Délégation à Sophie BERNARD")
    assert_accessible_at_both_widths(page, "delegation-history-2")
