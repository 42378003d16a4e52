"""With the Content-Security-Policy on, the DSFR pages render and the browser reports no violation."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import JEAN_MARTIN, log_in

pytestmark = pytest.mark.browser

# Recorded by the page itself: init scripts are injected by the browser driver, not subject to the policy.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber
  );
});
"""


def watch(page: Page) -> list[str]:
    messages: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            messages.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return messages


def assert_no_violation(page: Page, console: list[str]) -> None:
    violations = page.evaluate("window.__cspViolations || []")
    assert not violations and not console, f"Violations CSP sur {page.url} : {violations} {console}"


def assert_dsfr_styled(page: Page) -> None:
    # The DSFR stylesheet applied (its font and its header), and its JavaScript ran (it marks the document).
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Marianne" in font, font


def test_dsfr_pages_render_under_the_csp_without_violation(page: Page):
    console = watch(page)
    response = page.goto("/connexion/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert_dsfr_styled(page)
    assert_no_violation(page, console)

    log_in(page, JEAN_MARTIN)
    assert_dsfr_styled(page)
    assert_no_violation(page, console)

    page.get_by_role("link", name="Yvette ROUSSEAU").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU"))
    assert_dsfr_styled(page)
    assert_no_violation(page, console)

    page.goto("/delegations/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("délégations", re.IGNORECASE))
    page.get_by_role("button", name="Ajouter une délégation de droits").click()
    dialog = page.locator("#assistant-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_class(re.compile("fr-modal--opened"))
    assert_dsfr_styled(page)
    assert_no_violation(page, console)
