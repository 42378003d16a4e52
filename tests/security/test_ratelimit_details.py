"""The details of the rate limits that `make mutation` found unproved (core/ratelimit.py).

The client's address behind proxies, the wait announced in Retry-After, what is not counted (the login page
in the Pro Santé Connect limit, choosing a colleague in the search limit) and the event logged when a limit
is reached.
"""

import datetime

import pytest
from django.test import RequestFactory

from core.ratelimit import client_ip, retry_after
from tests.conftest import login_client
from tests.factories import CardFactory

LOGIN_URL = "/connexion/demo/"


@pytest.mark.parametrize(
    ("rate", "seconds"),
    [
        ("10/5m", 300),
        ("60/m", 60),
        ("3/h", 3600),
        ("1/d", 86400),
        ("5/s", 1),
        ("5/10s", 10),
        ("5/2h", 7200),
        ("n'importe quoi", 60),
        ("5/5x", 60),
    ],
)
def test_retry_after_is_the_length_of_the_window(rate, seconds):
    assert retry_after(rate) == seconds


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.1"),  # no proxy declared: the header is anybody's
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "198.51.100.7,192.0.2.2", "192.0.2.2"),  # the client may write what he likes on the left
        (1, "198.51.100.7, 192.0.2.2", "192.0.2.2"),
        (2, "198.51.100.7, 192.0.2.3, 203.0.113.9", "192.0.2.3"),
        (2, "192.0.2.1", "10.0.0.1"),  # fewer entries than proxies: not trusted
        (1, None, "10.0.0.1"),  # no header at all
        (1, "pas-une-adresse", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_behind_proxies(settings, proxies, forwarded, expected):
    settings.RATELIMIT_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **extra)
    assert client_ip(request) == expected


def test_client_ip_without_any_address_is_one_shared_key(settings):
    settings.RATELIMIT_PROXY_COUNT = 0
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == "0.0.0.0"  # noqa: S104


@pytest.mark.django_db
def test_the_429_page_announces_the_window_of_the_limit_reached(settings, client, caplog):
    settings.DEMO = True
    settings.RATELIMIT_PIN_PER_IP = "1/5m"
    card = CardFactory()
    assert client.post(LOGIN_URL, {"card": card.pk, "pin": "0000"}).status_code == 200
    with caplog.at_level("INFO"):
        response = client.post(LOGIN_URL, {"card": card.pk, "pin": "0000"})
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    page = response.content.decode()
    # The site's own page, drawn with the request (its context: the site's name, the header).
    assert "<title>Trop de tentatives — Espace médecins libéraux</title>" in page
    assert "<h1>Trop de tentatives</h1>" in page and "Erreur 429." in page
    events = [r for r in caplog.records if getattr(r, "action", None) == "rate_limited"]
    assert [(e.group, e.view) for e in events] == [("pin-ip", "accounts:demo-login")]


@pytest.mark.django_db
def test_the_search_limit_announces_its_own_window(settings, doctor_card):
    settings.RATELIMIT_SEARCH_PER_USER = "1/h"
    client = login_client(doctor_card)
    assert client.get("/annuaire/", {"name": "mar"}).status_code == 200
    response = client.get("/annuaire/", {"name": "dub"})
    assert response.status_code == 429 and response["Retry-After"] == "3600"


@pytest.mark.django_db
def test_the_login_page_is_not_counted_in_the_pro_sante_connect_limit(settings, client):
    settings.RATELIMIT_PSC_PER_IP = "1/5m"
    for _ in range(3):
        assert client.get("/connexion/").status_code == 200


@pytest.mark.django_db
def test_choosing_a_colleague_is_not_a_search(settings, doctor_card, other_doctor_card):
    settings.RATELIMIT_SEARCH_PER_USER = "1/h"
    client = login_client(doctor_card)
    chosen = {"selectionne": other_doctor_card.holder.professional.pk}
    for _ in range(3):
        assert client.get("/delegations/medecin/ajouter/", chosen).status_code == 200
    assert client.get("/delegations/medecin/ajouter/", {"name": "dub"}).status_code == 200
    assert client.get("/delegations/medecin/ajouter/", {"name": "mar"}).status_code == 429


@pytest.mark.django_db
def test_a_counter_in_the_last_second_of_its_window_is_still_counted():
    """django-ratelimit adds the counter, then increments it. DatabaseCache.add keeps a row alive to the second; the
    increment must see it alive too, or the attempt is refused as « compteur indisponible » (a 503 seen once in
    20,000 requests of the load benchmark)."""
    from unittest import mock

    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    cache.set("fenetre", 3, 60)
    second = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=30)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {cache._table} SET expires = %s WHERE cache_key = %s",  # noqa: S608  # nosec B608: the test's table
            [connection.ops.adapt_datetimefield_value(second), cache.make_key("fenetre")],
        )
    later_in_that_second = second + datetime.timedelta(microseconds=600_000)
    with (
        mock.patch("django.core.cache.backends.db.tz_now", return_value=later_in_that_second),
        mock.patch("core.cache.timezone.now", return_value=later_in_that_second),
    ):
        assert cache.add("fenetre", 0, 60) is False  # alive for add()
        assert cache.incr("fenetre") == 4
