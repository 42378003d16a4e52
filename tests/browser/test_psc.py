"""Pro Santé Connect in a real browser, against a real OpenID Connect provider (tests/oidc/provider.js)."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.methods import psc
from journal.models import Action, Entry
from tests.psc import JEAN_MARTIN, UNKNOWN, start_provider

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider(live_server):
    with start_provider(
        redirect_uris=[f"{live_server.url}/connexion/psc/retour/"],
        post_logout_redirect_uris=[f"{live_server.url}/connexion/"],
    ) as started:
        yield started


@pytest.fixture
def psc_page(page: Page, provider, settings):
    provider.configure(settings)
    psc.clear_metadata_cache()
    yield page
    psc.clear_metadata_cache()


def authenticate(page: Page, login: str) -> None:
    page.goto("/connexion/")
    page.get_by_role("button", name="Se connecter avec Pro Santé Connect", exact=True).click()
    # At the provider: its own login page.
    page.get_by_label("Identifiant").fill(login)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def test_a_doctor_logs_in_and_out_with_pro_sante_connect(psc_page: Page, provider):
    page = psc_page
    page.goto("/connexion/")
    expect(page.get_by_role("heading", name="Pro Santé Connect")).to_be_visible()
    assert_accessible(page)

    authenticate(page, JEAN_MARTIN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")
    expect(page.get_by_text("Jean MARTIN (CPS)").first).to_be_attached()
    expect(page.get_by_role("link", name="Yvette ROUSSEAU")).to_be_visible()
    login = Entry.objects.get(action=Action.LOGIN)
    assert (login.actor.identifier, login.login_method, login.auth_mode) == (JEAN_MARTIN, "psc", "CARD")

    page.get_by_role("button", name="Se déconnecter").first.click()
    # Through the provider's end-session endpoint and back to the login page.
    expect(page).to_have_url(re.compile(r"/connexion/(\?state=[^&]*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert Entry.objects.filter(action=Action.LOGOUT, login_method="psc").count() == 1
    page.goto("/dossiers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def test_an_unknown_person_sees_a_french_refusal(psc_page: Page):
    page = psc_page
    authenticate(page, UNKNOWN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion impossible")
    expect(page.get_by_text("Votre identité n'est pas connue de l'espace médecins")).to_be_visible()
    assert_accessible(page)


@pytest.fixture(scope="module")
def post_only_provider(live_server):
    """Registered for client_secret_post and offering it alone."""
    with start_provider(
        redirect_uris=[f"{live_server.url}/connexion/psc/retour/"],
        post_logout_redirect_uris=[f"{live_server.url}/connexion/"],
        token_endpoint_auth_method="client_secret_post",
        client_auth_methods=["client_secret_post"],
    ) as started:
        yield started


def test_a_provider_refusing_the_platform_sends_the_doctor_to_the_operator(page: Page, post_only_provider, settings):
    post_only_provider.configure(settings)
    # The operator forced the method this provider refuses.
    settings.PSC_TOKEN_AUTH_METHOD = "client_secret_basic"
    psc.clear_metadata_cache()
    try:
        authenticate(page, JEAN_MARTIN)
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion impossible")
        expect(
            page.get_by_text("Pro Santé Connect a refusé la connexion de la plateforme ; contactez l'opérateur.")
        ).to_be_visible()
        expect(page.get_by_text("Indiquez-lui cette référence")).to_be_visible()
        assert_accessible(page)
        page.set_viewport_size({"width": 375, "height": 800})
        expect(page.get_by_role("link", name="Retour à la page de connexion")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert_accessible(page)
        assert Entry.objects.filter(action=Action.LOGIN_FAILED, login_method="psc").count() == 1
    finally:
        psc.clear_metadata_cache()
