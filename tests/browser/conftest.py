"""Browser tests: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

No browser is ever downloaded: the tests use /usr/bin/chromium (``make browser-deps`` installs it).
The live server runs with DEMO on and the demo data loaded, as ``make run`` does.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# the ORM calls the tests and fixtures make there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets the `page` fixture know whether the test failed (to keep a screenshot).
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : lancez « make browser-deps ».")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server, settings):
    """The live server with the demo card reader on and the demo data loaded (transactional DB)."""
    settings.DEMO = True
    call_command("load_demo", stdout=io.StringIO())
    return live_server


@pytest.fixture
def demo_mail(demo_site, settings):
    """Mails as `make run` sends them: a copy kept by the demo (its « Courriels envoyés » page), then the configured
    backend (here Django's memory); their links point to the live server."""
    settings.EMAIL_BACKEND = "demo.mail.DemoEmailBackend"
    settings.DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = demo_site.url
    return demo_site


@pytest.fixture
def page(request, browser, demo_site):
    """A fresh browser context per test; a failed test leaves a screenshot in test-results/."""
    context = browser.new_context(base_url=demo_site.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "browser_test_failed", False):
        path = Path(django_settings.BASE_DIR) / "test-results" / f"{request.node.name}.png"
        path.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        print(f"Capture d'écran : {path}")
    context.close()
