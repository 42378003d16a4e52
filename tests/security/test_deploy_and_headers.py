"""Production settings pass `check --deploy`; every page carries the CSP, HSTS and safe cookies."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.conftest import login_client

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "DEMO", "SITE_URL"))}
    env.update(
        DEBUG="0",
        DEMO="0",
        SITE_URL="https://espace-medecins.example.fr",
        SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    env.pop("DATABASE_URL", None)
    return env


def test_production_settings_pass_check_deploy_without_any_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "System check identified no issues (0 silenced)." in output, output


def test_production_settings_secure_cookies_and_hsts():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    expected = ["True", "True", "True", "True", "Lax", "Lax", "31536000", "True", "True"]
    assert result.stdout.strip().splitlines()[-1].split() == expected


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/connexion/", "/page-qui-n-existe-pas/"])
def test_csp_without_unsafe_inline_on_every_page(url):
    response = Client().get(url)
    policy = directives(response)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_form_action_allows_the_psc_issuer_origin(settings):
    settings.PSC_ISSUER = "https://auth.psc.example.fr/auth/realms/esante-wallet"
    settings.CSP_FORM_ACTION_ORIGINS = ["https://wallet.psc.example.fr/auth"]
    policy = directives(Client().get("/connexion/"))
    assert policy["form-action"] == ["'self'", "https://auth.psc.example.fr", "https://wallet.psc.example.fr"]


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(doctor_card, dossier):
    client = login_client(doctor_card)
    for url in ["/connexion/", "/dossiers/", f"/dossiers/{dossier.number}/", "/delegations/", "/annuaire/"]:
        html = client.get(url).content.decode()
        assert " style=" not in html and "<style" not in html, url
        for tag in html.split("<script")[1:]:
            assert " src=" in tag.split(">")[0], f"{url}: script inline"


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_session_cookie_is_secure_httponly_samesite(settings):
    settings.DEMO = True
    from tests.factories import CardFactory

    card = CardFactory()
    client = Client()
    response = client.post("/connexion/demo/", {"card": card.pk, "pin": "1234"})
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db  # on PostgreSQL the deployment checks read the database role (journal.W001)
@pytest.mark.parametrize(
    ("demo", "site_url", "warned"),
    [
        (True, "https://espace-medecins.example.fr", True),
        (True, "HTTPS://espace-medecins.example.fr", True),
        (True, "http://127.0.0.1:8000", False),
        (False, "https://espace-medecins.example.fr", False),
    ],
)
def test_check_deploy_warns_when_the_demo_is_on_a_public_site(settings, demo, site_url, warned):
    from django.core.checks import Tags, run_checks

    settings.DEMO = demo
    settings.SITE_URL = site_url
    # The security tag only: the journal's deploy check reads the database role, which this test has no access to.
    messages = [m for m in run_checks(include_deployment_checks=True, tags=[Tags.security]) if m.id == "core.W001"]
    assert bool(messages) is warned
    if warned:
        assert "Le mode démonstration (DEMO=1) est activé sur un site public" in messages[0].msg
        assert "Mettez DEMO=0 en production" in messages[0].hint


def test_check_deploy_of_a_public_demo_fails_the_command():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={**production_env(), "DEMO": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "core.W001" in result.stderr + result.stdout
