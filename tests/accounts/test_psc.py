"""Log in with Pro Santé Connect, against a real OpenID Connect provider (tests/oidc/provider.js)."""

import datetime
import html
import logging
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from accounts.methods import psc
from accounts.models import User
from delegations import services as delegations
from delegations.models import State
from journal.models import Action, Entry
from tests.conftest import actor_for
from tests.factories import CardFactory, DoctorUserFactory, InvitationFactory, ProfessionalFactory
from tests.psc import (
    CLAIRE_DUBOIS,
    JEAN_MARTIN,
    LOW_ACR,
    NO_IDENTIFIER,
    UNKNOWN,
    authenticate_at_provider,
    free_port,
    start_provider,
)

CALLBACK = "http://testserver/connexion/psc/retour/"


@pytest.fixture(scope="module")
def provider():
    with start_provider(redirect_uris=[CALLBACK], post_logout_redirect_uris=["http://testserver/connexion/"]) as p:
        yield p


@pytest.fixture(autouse=True)
def psc_on(provider, settings):
    provider.configure(settings)
    psc.clear_metadata_cache()
    yield
    psc.clear_metadata_cache()


@pytest.fixture
def martin(db):
    return DoctorUserFactory(
        identifier=JEAN_MARTIN,
        professional__national_id=JEAN_MARTIN,
        professional__identifier=JEAN_MARTIN[1:],
        professional__first_name="Jean",
        professional__last_name="MARTIN",
        first_name="Jean",
        last_name="MARTIN",
    )


def start(client: Client, next_url: str = "") -> str:
    """Click « Se connecter avec Pro Santé Connect »: the URL of the provider's authorization endpoint."""
    response = client.post("/connexion/psc/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, text(response)
    return response.url


def log_in(client: Client, login: str, next_url: str = ""):
    """The whole flow: our redirect, the provider's login page, back to our callback. The callback's response."""
    callback_url = authenticate_at_provider(start(client, next_url), login, stop_at=CALLBACK)
    return client.get(callback_url.removeprefix("http://testserver")), callback_url


def follow_logout_at_provider(url: str) -> str:
    """What a browser does with the end-session page: submit its form(s) until sent back to us."""
    browser = requests.Session()
    response = browser.get(url, allow_redirects=False, timeout=5)
    for _ in range(5):
        if response.status_code in (302, 303):
            return response.headers["Location"]
        assert response.status_code == 200, response.text
        action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1))
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text))
        fields.setdefault("logout", "yes")
        response = browser.post(urljoin(url, action), data=fields, allow_redirects=False, timeout=5)
    raise AssertionError("la déconnexion chez le fournisseur ne revient pas")


def text(response) -> str:
    return html.unescape(response.content.decode())


def logged_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_the_button_is_offered_only_when_psc_is_configured(settings):
    page = Client().get("/connexion/").content.decode()
    assert "Se connecter avec Pro Santé Connect" in page
    settings.PSC_CLIENT_SECRET = ""
    client = Client()
    assert "Pro Santé Connect" not in client.get("/connexion/").content.decode()
    assert client.post("/connexion/psc/").status_code == 404
    assert client.get("/connexion/psc/retour/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_the_authorization_request_has_state_nonce_pkce_and_acr(settings):
    query = parse_qs(urlsplit(start(Client())).query)
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["openid scope_all"]
    assert query["acr_values"] == ["eidas1"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert query["redirect_uri"] == [CALLBACK]


@pytest.mark.django_db
def test_a_known_doctor_logs_in_and_the_journal_says_how(martin, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    response, callback_url = log_in(client, JEAN_MARTIN)
    assert response.status_code == 302 and response.url == "/dossiers/"
    assert logged_in_user_id(client) == str(martin.pk)
    assert client.session["login_method"] == "psc" and client.session["card_type"] == "CPS"
    assert client.session["auth_mode"] == "CARD"
    assert client.get("/dossiers/").status_code == 200
    entry = Entry.objects.get(action=Action.LOGIN)
    assert (entry.actor, entry.login_method, entry.auth_mode, entry.card_type) == (martin, "psc", "CARD", "CPS")
    # PSC's names (« MARTIN-PSC ») never overwrite the directory nor the account.
    martin.refresh_from_db()
    martin.professional.refresh_from_db()
    assert martin.last_name == "MARTIN" and martin.professional.last_name == "MARTIN"
    # Neither the code nor any token reaches the logs or the journal.
    code = parse_qs(urlsplit(callback_url).query)["code"][0]
    id_token = client.session[psc.SESSION_ID_TOKEN]
    for secret in (code, id_token, id_token.split(".")[1]):
        assert secret not in caplog.text
        assert not Entry.objects.filter(detail__contains=secret).exists()


@pytest.mark.django_db
def test_a_directory_doctor_without_an_account_gets_one_with_the_directory_names():
    professional = ProfessionalFactory(national_id=CLAIRE_DUBOIS, first_name="Claire", last_name="DUBOIS")
    client = Client()
    response, _ = log_in(client, CLAIRE_DUBOIS)
    assert response.status_code == 302 and response.url == "/dossiers/"
    user = User.objects.get(identifier=CLAIRE_DUBOIS)
    assert user.professional == professional and (user.first_name, user.last_name) == ("Claire", "DUBOIS")
    assert Entry.objects.get(action=Action.LOGIN).auth_mode == "MOBILE"


@pytest.mark.django_db
def test_the_next_page_is_kept_through_the_provider(martin):
    client = Client()
    invitation = "/delegations/invitation/un-jeton-quelconque/"
    to_login = client.get(invitation)
    assert to_login.status_code == 302 and to_login.url == f"/connexion/?next={invitation}"
    page = client.get(to_login.url).content.decode()
    assert f'name="next" value="{invitation}"' in page
    response, _ = log_in(client, JEAN_MARTIN, next_url=invitation)
    assert response.status_code == 302 and response.url == invitation
    assert client.get(invitation).status_code == 200
    # A foreign next page is not followed.
    other = Client()
    response, _ = log_in(other, JEAN_MARTIN, next_url="https://evil.example.com/")
    assert response.url == "/dossiers/"


@pytest.mark.django_db
def test_an_unknown_person_is_refused_and_journaled():
    client = Client()
    response, _ = log_in(client, UNKNOWN)
    assert response.status_code == 403
    assert "Votre identité n'est pas connue de l'espace médecins" in text(response)
    assert logged_in_user_id(client) is None
    entry = Entry.objects.get(action=Action.LOGIN_FAILED)
    assert entry.actor is None and entry.actor_name == "identité inconnue" and entry.login_method == "psc"
    assert UNKNOWN in entry.detail and "inconnu" in entry.detail
    assert not User.objects.filter(identifier=UNKNOWN).exists()


@pytest.mark.django_db
def test_an_inactive_professional_is_refused_and_journaled(martin):
    martin.professional.is_active = False
    martin.professional.save()
    client = Client()
    response, _ = log_in(client, JEAN_MARTIN)
    assert response.status_code == 403 and "annuaire national des professionnels de santé n'est plus active" in text(
        response
    )
    assert logged_in_user_id(client) is None
    entry = Entry.objects.get(action=Action.LOGIN_FAILED)
    assert entry.actor == martin and "inscription à l'annuaire inactive" in entry.detail


@pytest.mark.django_db
def test_claims_without_a_national_identifier_are_refused():
    client = Client()
    response, _ = log_in(client, NO_IDENTIFIER)
    assert response.status_code == 403
    assert "n'a pas transmis votre identifiant national" in text(response)
    assert logged_in_user_id(client) is None
    assert "aucun identifiant national" in Entry.objects.get(action=Action.LOGIN_FAILED).detail


@pytest.mark.django_db
def test_a_low_acr_is_refused(martin):
    client = Client()
    response, _ = log_in(client, LOW_ACR)
    assert response.status_code == 403
    assert "niveau d'authentification" in text(response)
    assert logged_in_user_id(client) is None
    entry = Entry.objects.get(action=Action.LOGIN_FAILED)
    assert entry.actor == martin and "insuffisant (faible)" in entry.detail


@pytest.mark.django_db
def test_a_wrong_state_is_refused(martin):
    client = Client()
    callback_url = authenticate_at_provider(start(client), JEAN_MARTIN, stop_at=CALLBACK)
    forged = callback_url.replace("state=", "state=x")
    response = client.get(forged.removeprefix("http://testserver"))
    assert response.status_code == 400 and "n'a pas abouti" in text(response)
    assert logged_in_user_id(client) is None
    # The pending login is spent: the genuine callback does not work after a forged one.
    assert client.get(callback_url.removeprefix("http://testserver")).status_code == 400
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_a_replayed_callback_logs_nobody_in(martin):
    client = Client()
    response, callback_url = log_in(client, JEAN_MARTIN)
    assert response.status_code == 302
    client.post("/connexion/deconnexion/")
    assert logged_in_user_id(client) is None
    replay = client.get(callback_url.removeprefix("http://testserver"))
    assert replay.status_code == 400 and logged_in_user_id(client) is None
    # Another browser cannot use a callback it did not start.
    thief = Client()
    assert thief.get(callback_url.removeprefix("http://testserver")).status_code == 400
    assert logged_in_user_id(thief) is None


@pytest.mark.django_db
def test_a_forged_code_is_refused_by_the_provider(martin):
    client = Client()
    query = parse_qs(urlsplit(start(client)).query)
    response = client.get("/connexion/psc/retour/", {"code": "code-invente", "state": query["state"][0]})
    assert response.status_code == 400 and "n'a pas abouti" in text(response)
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_an_error_from_the_provider_gives_a_french_page(martin):
    client = Client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get("/connexion/psc/retour/", {"error": "access_denied", "state": state})
    assert response.status_code == 400 and "Vous avez annulé la connexion" in text(response)
    client = Client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get("/connexion/psc/retour/", {"error": "server_error", "state": state})
    assert response.status_code == 502 and "a refusé la connexion" in text(response)
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_provider_down_gives_a_french_page_not_a_500(settings):
    port = free_port()
    settings.PSC_ISSUER = f"http://127.0.0.1:{port}"
    settings.PSC_DISCOVERY_URL = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    client = Client(raise_request_exception=False)
    response = client.post("/connexion/psc/")
    assert response.status_code == 503
    assert "Pro Santé Connect ne répond pas pour le moment" in text(response)
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_provider_down_at_the_callback_gives_a_french_page(martin, settings):
    client = Client()
    callback_url = authenticate_at_provider(start(client), JEAN_MARTIN, stop_at=CALLBACK)
    psc.clear_metadata_cache()
    metadata = psc.provider_metadata()
    # The token endpoint stops answering between the redirect and the callback.
    psc._metadata_cache[settings.PSC_DISCOVERY_URL] = (
        psc._metadata_cache[settings.PSC_DISCOVERY_URL][0],
        {**metadata, "token_endpoint": f"http://127.0.0.1:{free_port()}/token"},
    )
    response = client.get(callback_url.removeprefix("http://testserver"))
    assert response.status_code == 503 and "ne répond pas" in text(response)
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_logout_ends_the_session_and_calls_the_end_session_endpoint(martin, provider):
    client = Client()
    log_in(client, JEAN_MARTIN)
    id_token = client.session[psc.SESSION_ID_TOKEN]
    response = client.post("/connexion/deconnexion/")
    assert response.status_code == 302
    assert response.url.startswith(f"{provider.issuer}/session/end")
    query = parse_qs(urlsplit(response.url).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/connexion/"]
    assert logged_in_user_id(client) is None
    assert Entry.objects.filter(action=Action.LOGOUT, actor=martin, login_method="psc").exists()
    # The provider accepts the request and sends the browser back to the login page.
    assert follow_logout_at_provider(response.url).startswith("http://testserver/connexion/")


@pytest.mark.django_db
def test_logout_stays_local_when_the_provider_is_down(martin, settings):
    client = Client()
    log_in(client, JEAN_MARTIN)
    psc.clear_metadata_cache()
    settings.PSC_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    response = client.post("/connexion/deconnexion/")
    assert response.status_code == 302 and response.url == "/connexion/"
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_the_demo_reader_stays_beside_psc(settings):
    settings.DEMO = True
    page = Client().get("/connexion/").content.decode()
    assert "Lecteur de carte CPx (démonstration)" in page and "Se connecter avec Pro Santé Connect" in page
    settings.DEMO = False
    page = Client().get("/connexion/").content.decode()
    assert "Lecteur de carte CPx" not in page and "Se connecter avec Pro Santé Connect" in page


@pytest.mark.django_db
def test_a_colleague_accepts_an_invitation_after_logging_in_with_psc(martin):
    dubois = DoctorUserFactory(identifier=CLAIRE_DUBOIS, professional__national_id=CLAIRE_DUBOIS)
    delegation = delegations.add_colleague(
        actor=actor_for(CardFactory(holder=martin)),
        colleague=dubois.professional,
        email="claire.dubois@example.org",
        rights=["consult"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    # The mailed link's token (only its hash is stored).
    token = "jeton-de-l-invitation-" + "x" * 20
    InvitationFactory(delegation=delegation, token=token)
    link = f"/delegations/invitation/{token}/"
    client = Client()
    to_login = client.get(link)
    assert to_login.url == f"/connexion/?next={link}"
    response, _ = log_in(client, CLAIRE_DUBOIS, next_url=link)
    assert response.url == link
    answered = client.post(link, {"accepter": "1"})
    assert answered.status_code == 302, text(answered)
    delegation.refresh_from_db()
    assert delegation.state == State.ACCEPTED and delegation.delegate == dubois
