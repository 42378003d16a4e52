"""How the client authenticates at PSC's token endpoint, against real providers (tests/oidc/provider.js) each
registered for one method: it refuses any other with `invalid_client`, as PSC and pyop do."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App
from django.conf import settings as django_settings
from django.test import Client

from accounts.methods import psc
from journal.models import Action, Entry
from tests.accounts import test_psc
from tests.accounts.test_psc import CALLBACK, logged_in_user_id, text
from tests.psc import CLIENT_SECRET, JEAN_MARTIN, authenticate_at_provider, start_provider

martin = test_psc.martin  # the fixture: Dr Jean MARTIN, known to the directory

BASIC, POST = "client_secret_basic", "client_secret_post"
LOGOUT = ["http://testserver/connexion/"]


@pytest.fixture(scope="module")
def basic_provider():
    """Registered for basic; offers oidc-provider's methods (basic and post among them)."""
    with start_provider(redirect_uris=[CALLBACK], post_logout_redirect_uris=LOGOUT) as provider:
        yield provider


@pytest.fixture(scope="module")
def post_only_provider():
    """Registered for post; offers post alone, like the provider that revealed the flaw."""
    with start_provider(
        redirect_uris=[CALLBACK],
        post_logout_redirect_uris=LOGOUT,
        token_endpoint_auth_method=POST,
        client_auth_methods=[POST],
    ) as provider:
        yield provider


@pytest.fixture(scope="module")
def post_provider():
    """Registered for post, but offers basic too: only a forced PSC_TOKEN_AUTH_METHOD gets in."""
    with start_provider(
        redirect_uris=[CALLBACK], post_logout_redirect_uris=LOGOUT, token_endpoint_auth_method=POST
    ) as provider:
        yield provider


@pytest.fixture(autouse=True)
def fresh_metadata():
    psc.clear_metadata_cache()
    yield
    psc.clear_metadata_cache()


def use(provider, settings, method: str = "") -> None:
    provider.configure(settings)
    settings.PSC_TOKEN_AUTH_METHOD = method
    psc.clear_metadata_cache()


def log_in(client: Client):
    response = client.post("/connexion/psc/")
    assert response.status_code == 302, text(response)
    callback_url = authenticate_at_provider(response.url, JEAN_MARTIN, stop_at=CALLBACK)
    return client.get(callback_url.removeprefix("http://testserver")), callback_url


def offered(provider) -> list[str]:
    return requests.get(provider.discovery_url, timeout=5).json()["token_endpoint_auth_methods_supported"]


@pytest.mark.django_db
def test_basic_is_used_when_the_provider_offers_it(martin, basic_provider, settings):
    assert BASIC in offered(basic_provider) and POST in offered(basic_provider)
    use(basic_provider, settings)
    client = Client()
    response, _ = log_in(client)
    assert response.status_code == 302 and response.url == "/dossiers/", text(response)
    assert logged_in_user_id(client) == str(martin.pk)


@pytest.mark.django_db
def test_post_is_used_when_the_provider_offers_only_post(martin, post_only_provider, settings):
    assert offered(post_only_provider) == [POST]
    use(post_only_provider, settings)
    client = Client()
    response, _ = log_in(client)
    assert response.status_code == 302 and response.url == "/dossiers/", text(response)
    assert logged_in_user_id(client) == str(martin.pk)
    assert Entry.objects.get(action=Action.LOGIN).login_method == "psc"


@pytest.mark.django_db
def test_psc_token_auth_method_forces_the_method(martin, post_provider, settings):
    use(post_provider, settings, POST)
    client = Client()
    response, _ = log_in(client)
    assert response.status_code == 302 and response.url == "/dossiers/", text(response)
    assert logged_in_user_id(client) == str(martin.pk)


def test_the_method_follows_the_discovery_document(settings):
    settings.PSC_TOKEN_AUTH_METHOD = ""
    assert psc.token_auth_method({}) == BASIC  # nothing said: the OpenID default
    assert psc.token_auth_method({"token_endpoint_auth_methods_supported": [POST, BASIC]}) == BASIC
    assert psc.token_auth_method({"token_endpoint_auth_methods_supported": [POST]}) == POST
    # Neither: basic, which the provider refuses as a configuration error.
    assert psc.token_auth_method({"token_endpoint_auth_methods_supported": ["private_key_jwt"]}) == BASIC
    settings.PSC_TOKEN_AUTH_METHOD = BASIC
    assert psc.token_auth_method({"token_endpoint_auth_methods_supported": [POST]}) == BASIC


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider_name", "method"),
    [("post_provider", ""), ("post_only_provider", BASIC), ("basic_provider", POST)],
    ids=["basic-offered-but-post-registered", "basic-forced-post-only", "post-forced-basic-registered"],
)
def test_a_refused_client_is_a_configuration_error_for_the_operator(
    request, provider_name, method, martin, settings, caplog
):
    provider = request.getfixturevalue(provider_name)
    use(provider, settings, method)
    caplog.set_level(logging.DEBUG)
    client = Client()
    response, callback_url = log_in(client)
    assert response.status_code == 502
    page = text(response)
    assert "Pro Santé Connect a refusé la connexion de la plateforme ; contactez l'opérateur." in page
    assert "a expiré, a déjà servi" not in page
    # The reference to pass on is the request id of the technical logs.
    assert f"Indiquez-lui cette référence : <strong>{response['X-Request-ID']}</strong>" in page
    assert logged_in_user_id(client) is None
    # Journaled for the operator: what was refused and how to fix it, no secret.
    entry = Entry.objects.get(action=Action.LOGIN_FAILED)
    used = method or BASIC
    assert entry.actor is None and entry.login_method == "psc"
    assert "invalid_client" in entry.detail and used in entry.detail and "PSC_TOKEN_AUTH_METHOD" in entry.detail
    # And at ERROR in the technical logs, without code, state, secret.
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "accounts.methods.psc"]
    assert len(errors) == 1 and "invalid_client" in errors[0].getMessage() and used in errors[0].getMessage()
    code, state = (callback_url.split(f"{name}=")[1].split("&")[0] for name in ("code", "state"))
    for secret in (code, state, CLIENT_SECRET):
        assert secret not in entry.detail
        assert secret not in errors[0].getMessage()


def test_an_unknown_method_stops_the_settings():
    env = {**os.environ, "PSC_TOKEN_AUTH_METHOD": "private_key_jwt", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", "import config.settings"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "PSC_TOKEN_AUTH_METHOD" in result.stderr


@pytest.mark.django_db
def test_unauthorized_client_is_a_configuration_error_too(martin, basic_provider, settings, monkeypatch):
    # The test provider answers invalid_client only: the other client error is made up at the exchange.
    use(basic_provider, settings)

    def refuse(self, **kwargs):
        raise OAuthError(error="unauthorized_client", description="client not allowed")

    monkeypatch.setattr(DjangoOAuth2App, "fetch_access_token", refuse)
    client = Client()
    response, _ = log_in(client)
    assert response.status_code == 502 and "contactez l'opérateur" in text(response)
    assert "unauthorized_client" in Entry.objects.get(action=Action.LOGIN_FAILED).detail
