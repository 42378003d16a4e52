"""Rate limits (core/ratelimit.py): PIN per IP and per card, Pro Santé Connect views, directory searches."""

import logging

import pytest
from django.core.cache import cache, caches
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from accounts.models import Card
from core.cache import AtomicDatabaseCache
from core.ratelimit import MESSAGE
from tests.conftest import login_client
from tests.factories import CardFactory

LOGIN_URL = "/connexion/demo/"


def assert_too_many(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives, réessayez dans quelques minutes." in page and MESSAGE in page
    assert int(response["Retry-After"]) > 0


@pytest.fixture(autouse=True)
def demo_on(settings):
    settings.DEMO = True


@pytest.mark.django_db
def test_pin_attempts_are_limited_per_ip_across_cards(settings):
    settings.RATELIMIT_PIN_PER_IP = "3/5m"
    cards = CardFactory.create_batch(4)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for card in cards[:3]:
        assert client.post(LOGIN_URL, {"card": card.pk, "pin": "0000"}).status_code == 200
    response = client.post(LOGIN_URL, {"card": cards[3].pk, "pin": "1234"})
    assert_too_many(response)
    assert "_auth_user_id" not in client.session
    # The refused attempt never reached the card: no PIN was checked.
    assert Card.objects.get(pk=cards[3].pk).failed_attempts == 0
    # Another address is not concerned.
    assert Client(REMOTE_ADDR="203.0.113.8").post(LOGIN_URL, {"card": cards[3].pk, "pin": "1234"}).status_code == 302


@pytest.mark.django_db
def test_pin_attempts_are_limited_per_card_across_ips(settings):
    settings.RATELIMIT_PIN_PER_CARD = "2/5m"
    settings.CARD_MAX_PIN_ATTEMPTS = 10
    card = CardFactory()
    for n in range(2):
        response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(LOGIN_URL, {"card": card.pk, "pin": "0000"})
        assert response.status_code == 200
    assert_too_many(Client(REMOTE_ADDR="198.51.100.9").post(LOGIN_URL, {"card": card.pk, "pin": "1234"}))
    assert Card.objects.get(pk=card.pk).failed_attempts == 2


@pytest.mark.django_db
def test_client_ip_behind_a_proxy_is_read_from_x_forwarded_for(settings):
    settings.RATELIMIT_PIN_PER_IP = "1/5m"
    settings.RATELIMIT_PROXY_COUNT = 1
    card = CardFactory()
    proxy = "10.0.0.1"
    first = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1")
    second = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.2")
    assert first.post(LOGIN_URL, {"card": card.pk, "pin": "0000"}).status_code == 200
    assert second.post(LOGIN_URL, {"card": card.pk, "pin": "0000"}).status_code == 200
    assert_too_many(first.post(LOGIN_URL, {"card": card.pk, "pin": "0000"}))


def psc_view_names() -> list[str]:
    from django.urls import get_resolver

    resolver = get_resolver()
    names = []
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "accounts":
            for sub in pattern.url_patterns:
                for leaf in getattr(sub, "url_patterns", [sub]):
                    if (getattr(leaf, "name", "") or "").startswith("psc"):
                        names.append(f"accounts:{leaf.name}")
    return names


@pytest.mark.django_db
def test_every_psc_view_is_limited_per_ip(settings):
    settings.RATELIMIT_PSC_PER_IP = "2/5m"
    names = psc_view_names()
    assert names, "aucune vue Pro Santé Connect montée sous /connexion/psc/"
    client = Client(REMOTE_ADDR="203.0.113.20")
    first = reverse(names[0])
    for _ in range(2):
        assert client.get(first).status_code != 429
    for name in names:  # one counter for all of them: the callback is refused too
        assert_too_many(client.get(reverse(name)))
        assert_too_many(client.post(reverse(name)))
    assert Client(REMOTE_ADDR="203.0.113.21").get(first).status_code != 429


@pytest.mark.django_db
def test_directory_search_is_limited_per_user(settings, doctor_card, other_doctor_card):
    settings.RATELIMIT_SEARCH_PER_USER = "2/m"
    client = login_client(doctor_card)
    assert client.get("/annuaire/").status_code == 200  # the empty page is no search: not counted
    assert client.get("/annuaire/", {"name": "mar"}).status_code == 200
    assert client.get("/annuaire/", {"place": "lyon"}).status_code == 200
    assert_too_many(client.get("/annuaire/", {"name": "dub"}))
    assert client.get("/annuaire/").status_code == 200
    # The colleague search of MES DELEGATIONS counts in the same limit; another user is not concerned.
    assert_too_many(client.get("/delegations/medecin/ajouter/", {"name": "dub"}))
    assert client.get("/delegations/medecin/ajouter/").status_code == 200
    assert login_client(other_doctor_card).get("/annuaire/", {"name": "mar"}).status_code == 200


@pytest.mark.django_db
def test_the_counters_live_in_the_database_cache():
    assert isinstance(caches["default"], AtomicDatabaseCache)
    cache.add("compteur", 1, 60)
    assert cache.incr("compteur") == 2
    assert cache.incr("compteur", 5) == 7
    assert cache.get("compteur") == 7
    with pytest.raises(ValueError):
        cache.incr("absent")


@pytest.mark.django_db
def test_a_counted_attempt_writes_no_refused_row(settings):
    """Counting an attempt on a live counter is a read and an update: no INSERT that the unique key refuses (each
    one an error in PostgreSQL's log); an expired counter is started again."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql.split()[0].upper())
        return execute(sql, params, many, context)

    assert cache.add("compteur", 1, 60)
    with connection.execute_wrapper(record):
        assert cache.add("compteur", 1, 60) is False
        assert cache.incr("compteur") == 2
    assert "INSERT" not in statements and "UPDATE" in statements
    cache.set("compteur", 5, -1)  # expired
    assert cache.add("compteur", 1, 60) is True
    assert cache.get("compteur") == 1


@pytest.mark.django_db
def test_the_per_card_limit_counts_every_spelling_of_one_card(settings):
    settings.RATELIMIT_PIN_PER_CARD = "4/5m"
    settings.CARD_MAX_PIN_ATTEMPTS = 10
    card = CardFactory()
    spellings = [f"0{card.pk}", f"+{card.pk}", f" {card.pk}", f"000{card.pk}"]
    for n, spelling in enumerate(spellings):
        response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(LOGIN_URL, {"card": spelling, "pin": "0000"})
        assert response.status_code == 200
    # The four spellings reached the same card...
    assert Card.objects.get(pk=card.pk).failed_attempts == 4
    # ...and the fifth attempt, spelled plainly, is over that card's limit, right PIN or not.
    assert_too_many(Client(REMOTE_ADDR="198.51.100.9").post(LOGIN_URL, {"card": str(card.pk), "pin": "1234"}))


@pytest.mark.django_db
def test_the_per_card_limit_counts_every_spelling_of_an_unknown_value_once(settings):
    settings.RATELIMIT_PIN_PER_CARD = "2/5m"
    for n, spelling in enumerate(["999999", "0999999"]):
        response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(LOGIN_URL, {"card": spelling, "pin": "0000"})
        assert response.status_code == 200
    assert_too_many(Client(REMOTE_ADDR="198.51.100.9").post(LOGIN_URL, {"card": "+999999", "pin": "0000"}))


@pytest.mark.django_db
def test_successful_logins_do_not_count_toward_the_per_ip_limit(settings):
    settings.RATELIMIT_PIN_PER_IP = "2/5m"
    cards = CardFactory.create_batch(4)
    # A practice behind one address: many successful logins in a row...
    for card in cards:
        assert Client(REMOTE_ADDR="203.0.113.30").post(LOGIN_URL, {"card": card.pk, "pin": "1234"}).status_code == 302
    # ...then its failed attempts still have the full allowance, and no more.
    client = Client(REMOTE_ADDR="203.0.113.30")
    for card in cards[:2]:
        assert client.post(LOGIN_URL, {"card": card.pk, "pin": "0000"}).status_code == 200
    assert_too_many(client.post(LOGIN_URL, {"card": cards[2].pk, "pin": "1234"}))


def failing(*args, **kwargs):
    raise OperationalError("la base ne répond pas")


@pytest.mark.django_db
# Every rule counts its attempt before the view (add, then incr): no rule reads a counter without counting.
@pytest.mark.parametrize("method", ["add", "incr"])
def test_a_counter_that_cannot_be_read_is_never_a_false_too_many(settings, monkeypatch, caplog, method):
    """The cache's database fails: the truthful French 503 page, never « Trop de tentatives », and no PIN checked."""
    card = CardFactory()
    client = Client(REMOTE_ADDR="203.0.113.40")
    client.post(LOGIN_URL, {"card": card.pk, "pin": "0000"})  # the counters exist: incr and get are reached
    monkeypatch.setattr(AtomicDatabaseCache, method, failing)
    with caplog.at_level("INFO"):
        response = client.post(LOGIN_URL, {"card": card.pk, "pin": "1234"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    # The operator is told which view lost its counters, as an error.
    told = [(r.levelno, r.view) for r in caplog.records if getattr(r, "action", None) == "rate_limit_unavailable"]
    assert told == [(logging.ERROR, "accounts:demo-login")]
    page = response.content.decode()
    assert "Service momentanément indisponible" in page and "Réessayez dans quelques minutes" in page
    assert "Trop de tentatives" not in page
    assert "_auth_user_id" not in client.session
    assert Card.objects.get(pk=card.pk).failed_attempts == 1


@pytest.mark.django_db
def test_a_counter_silently_lost_is_never_a_false_too_many(monkeypatch):
    """Django's database cache swallows a failed insert (add returns False); the increment then finds no row."""
    card = CardFactory()
    monkeypatch.setattr(AtomicDatabaseCache, "add", lambda *args, **kwargs: False)
    response = Client(REMOTE_ADDR="203.0.113.41").post(LOGIN_URL, {"card": card.pk, "pin": "1234"})
    assert response.status_code == 503
    assert "Trop de tentatives" not in response.content.decode()
