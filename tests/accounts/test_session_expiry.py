"""`/connexion/session/`: the seconds left before the idle logout, and « Rester connecté » without leaving the page."""

import datetime
import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.factories import CardFactory

URL = "/connexion/session/"


@pytest.fixture
def client(settings):
    settings.DEMO = True
    settings.SESSION_COOKIE_AGE = 1800
    settings.SESSION_REFRESH_INTERVAL = 60
    client = Client()
    client.post("/connexion/demo/", {"card": CardFactory().pk, "pin": "1234"})
    assert "_auth_user_id" in client.session
    return client


def at(seconds_later: float):
    """The clocks of the middleware, the view and the session store, moved forward together."""
    now = time.time() + seconds_later
    return mock.patch("time.time", return_value=now), mock.patch(
        "django.utils.timezone.now", return_value=datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    )


def stored_expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_it_tells_the_seconds_left_after_the_login(client):
    response = client.get(URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert 1795 <= response.json()["seconds_left"] <= 1800
    assert response.json()["warning"] == 120
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_asking_is_not_activity(client):
    expiry = stored_expiry(client)
    clock, tz = at(600)
    with clock, tz:
        left = client.get(URL).json()["seconds_left"]
    # Ten minutes idle, well past the refresh interval: the answer counts down and the expiry does not move.
    assert 1195 <= left <= 1200
    assert stored_expiry(client) == expiry
    clock, tz = at(1700)
    with clock, tz:
        assert 95 <= client.get(URL).json()["seconds_left"] <= 100


@pytest.mark.django_db
def test_a_page_is_activity(client):
    clock, tz = at(600)
    with clock, tz:
        assert client.get("/dossiers/").status_code == 200
        assert client.get(URL).json()["seconds_left"] == 1800


@pytest.mark.django_db
def test_staying_logged_in_pushes_the_expiry_back(client):
    expiry = stored_expiry(client)
    clock, tz = at(1700)
    with clock, tz:
        response = client.post(URL)
        assert response.json()["seconds_left"] == 1800
        assert client.get(URL).json()["seconds_left"] == 1800
    assert stored_expiry(client) > expiry + datetime.timedelta(seconds=1600)


@pytest.mark.django_db
def test_an_ended_session_answers_401(client):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(URL).status_code == 401
    assert client.post(URL).status_code == 401
    assert Client().get(URL).json() == {"seconds_left": 0}


@pytest.mark.django_db
def test_staying_logged_in_needs_the_csrf_token(settings):
    settings.DEMO = True
    client = Client(enforce_csrf_checks=True)
    page = client.get("/connexion/")
    token = page.cookies["csrftoken"].value
    client.post("/connexion/demo/", {"card": CardFactory().pk, "pin": "1234", "csrfmiddlewaretoken": token})
    assert client.post(URL).status_code == 403
    page = client.get("/dossiers/").content.decode()
    assert 'id="expiration-session"' in page and 'data-avertissement="120"' in page
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post(URL, {"csrfmiddlewaretoken": token}).status_code == 200


@pytest.mark.django_db
def test_only_logged_in_pages_carry_the_warning():
    page = Client().get("/connexion/").content.decode()
    assert "expiration-session" not in page and "session.js" not in page
