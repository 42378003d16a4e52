"""A refused invitation in a real browser: the doctor sees in MES DELEGATIONS that it could not be sent, and why."""

import pytest
from playwright.sync_api import expect

from tests.mail import run_worker

from .helpers import JEAN_MARTIN, assert_accessible, log_in
from .test_delegation_stories import SOPHIE_MAIL, delegate_to_sophie, section

pytestmark = pytest.mark.browser

FAILED = "Le courriel n'a pas pu être envoyé à cette adresse."


@pytest.fixture
def refusing_site(demo_site, settings, smtp_server):
    settings.SITE_URL = demo_site.url
    smtp_server.refuse[SOPHIE_MAIL] = "550 5.1.1 Mailbox unavailable"
    return demo_site


def test_a_refused_invitation_is_shown_in_my_delegations(browser, refusing_site):
    context = browser.new_context(base_url=refusing_site.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, JEAN_MARTIN)
        delegate_to_sophie(page)
        assert run_worker() == (0, 1)  # the worker tries once: refused for good
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
            row = section(page, "Assistant(s) habilité(s) à gérer mes dossiers").get_by_role("row")
            row = row.filter(has_text="Sophie BERNARD")
            expect(row).to_contain_text(FAILED)
            expect(row).to_contain_text("sinon, renvoyez l'invitation.")
            expect(row.get_by_role("button", name="Renvoyer l'invitation")).to_be_visible()
            assert_accessible(page)
    finally:
        context.close()
