"""Steps shared by the browser tests: the demo card reader login and the axe-core check."""

import os
import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}

JEAN_MARTIN = "Jean MARTIN — CPS n° 8000000001"
CLAIRE_DUBOIS = "Claire DUBOIS — CPS n° 8000000002"
DEMO_PIN = "1234"


def field(page: Page, label: str):
    """The form field labelled exactly `label`, the DSFR mark « (Optionnel) » aside."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s*\(Optionnel\))?\s*$"))


def submit_pin(page: Page, card_label: str, pin: str) -> None:
    """Choose the card « inserted » in the demo reader, type the PIN, click « Se connecter »."""
    if not page.url.rstrip("/").endswith("/connexion"):
        page.goto("/connexion/")
    field(page, "Carte").select_option(label=card_label)
    field(page, "Code PIN").fill(pin)
    page.get_by_role("button", name="Se connecter").click()


def log_in(page: Page, card_label: str, pin: str = DEMO_PIN) -> None:
    page.goto("/connexion/")
    submit_pin(page, card_label, pin)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (the npm package pinned in package-lock.json) on the current page."""
    assert AXE_JS.exists(), f"{AXE_JS} manque : lancez « make install-dev » (npm ci)."
    # A DSFR modal or alert fades in: axe would read the colours of the transition.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    # Evaluated, not added as an inline <script>: the Content-Security-Policy forbids inline scripts.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def assert_accessible(page: Page, *, every_impact: bool = False) -> None:
    """No axe-core violation of impact « serious » or « critical » on the current page (`every_impact`: none at all,
    minor and moderate included)."""
    blocking = [v for v in axe_violations(page) if every_impact or v.get("impact") in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    assert not blocking, f"Violations axe-core sur {page.url} :\n" + "\n".join(lines)


def assert_accessible_at_both_widths(page: Page, name: str, *, every_impact: bool = False) -> None:
    """axe-core at 1280 and 375 px wide; the screenshots kept in SCREENSHOTS_DIR when it is set (for a review)."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, every_impact=every_impact)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
