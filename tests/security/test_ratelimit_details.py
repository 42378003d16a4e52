"""The details of the rate limits that `make mutation` found unproved (core/ratelimit.py).

The client's address behind proxies, the wait announced in Retry-After, what is not counted (the login page
in the Pro Santé Connect limit, choosing a colleague in the search limit), the event logged when a limit
is reached, and the attempt given back after a successful login (its counter, whatever the rule's key).
"""

import time
import uuid

import pytest
from django.db import OperationalError
from django.test import RequestFactory, override_settings

from core import ratelimit
from core.cache import AtomicDatabaseCache
from core.ratelimit import Rule, client_ip, retry_after
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
def test_a_count_read_as_its_window_ends_is_a_count_not_an_unavailable_counter(monkeypatch):
    """django-ratelimit reads the clock for the counter's window, then again for the time left: when the window ends
    at that very second, the time left of a valid count is -1. It must count the attempt, not answer 503."""
    import zlib
    from types import SimpleNamespace

    import django_ratelimit.core

    from core.ratelimit import Rule, over_limit

    rule = Rule(group="recherche", setting="RATELIMIT_SEARCH_PER_USER", key="ip", methods=("GET",))
    period = 60
    # A second at which the window of this key ends (django_ratelimit.core._get_window).
    base = int(time.time())
    offset = zlib.crc32(b"198.51.100.7") % period
    window_end = base - base % period + offset
    clock = iter([window_end + 0.999])  # the window read just before the second turns, then the time left after
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: next(clock, window_end + 1.0)))
    request = RequestFactory().get("/annuaire/", REMOTE_ADDR="198.51.100.7")
    with override_settings(RATELIMIT_SEARCH_PER_USER=f"5/{period}s"):
        assert over_limit(request, rule) is False


def key_naming_its_group(group, request):
    """A rule's key given as a dotted path, as django-ratelimit allows: it reads the group it counts for."""
    return f"{group}@{request.META['REMOTE_ADDR']}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [lambda group, request: f"{group}@{request.META['REMOTE_ADDR']}", f"{__name__}.key_naming_its_group", "ip"],
    ids=["callable", "dotted-path", "simple"],
)
def test_a_refund_gives_back_one_attempt_of_the_counter_django_ratelimit_counted(settings, key):
    # In a cache of their own (RATELIMIT_USE_CACHE, django-ratelimit's setting): the refund must find them there.
    own = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"limites-{uuid.uuid4()}"}
    settings.CACHES = {**settings.CACHES, "limites": own}
    settings.RATELIMIT_USE_CACHE = "limites"
    settings.RATELIMIT_ESSAI = "5/m"
    rule = Rule("essai", "RATELIMIT_ESSAI", key, ("POST",), refund_success=True)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.60")
    for _ in range(3):
        ratelimit.usage(request, rule, increment=True)
    ratelimit.refund(request, rule)
    assert ratelimit.usage(request, rule, increment=False)["count"] == 2
    # Another group's counter, with the same address, is not touched.
    other = Rule("autre", "RATELIMIT_ESSAI", key, ("POST",), refund_success=True)
    ratelimit.usage(request, other, increment=True)
    ratelimit.refund(request, rule)
    assert ratelimit.usage(request, rule, increment=False)["count"] == 1
    assert ratelimit.usage(request, other, increment=False)["count"] == 1


@pytest.mark.django_db
def test_a_refund_after_the_window_ended_or_with_the_database_down_changes_nothing(settings, monkeypatch):
    settings.RATELIMIT_ESSAI = "5/m"
    rule = Rule("essai", "RATELIMIT_ESSAI", "ip", ("POST",), refund_success=True)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.61")
    ratelimit.refund(request, rule)  # no counter: its window ended meanwhile
    assert ratelimit.usage(request, rule, increment=False)["count"] == 0
    ratelimit.usage(request, rule, increment=True)

    def failing(*args, **kwargs):
        raise OperationalError("la base ne répond pas")

    monkeypatch.setattr(AtomicDatabaseCache, "decr", failing)
    ratelimit.refund(request, rule)  # the attempt stays counted, the login is not turned into an error
    monkeypatch.undo()
    assert ratelimit.usage(request, rule, increment=False)["count"] == 1


@pytest.mark.django_db
def test_an_increment_reads_then_writes_only_if_the_count_is_unchanged(monkeypatch):
    """Two statements, no row lock: the UPDATE says which value it replaces (the race itself is proved on PostgreSQL
    by tests/security/test_ratelimit_atomic.py)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.add("essai-compte", 4, 60)
    with CaptureQueriesContext(connection) as queries:
        assert cache.incr("essai-compte") == 5
    statements = [query["sql"] for query in queries]
    assert len(statements) == 2, statements
    assert statements[0].startswith("SELECT") and "FOR UPDATE" not in statements[0]
    assert statements[1].startswith("UPDATE") and "AND value =" in statements[1]
    assert cache.get("essai-compte") == 5
    # Another attempt counted between the read and the write: this one reads again, and both count.
    added = AtomicDatabaseCache._added
    others = iter([1])

    def another_writer_first(self, stored, delta):
        for other in others:
            cache.set("essai-compte", 5 + other, 60)
        return added(self, stored, delta)

    monkeypatch.setattr(AtomicDatabaseCache, "_added", another_writer_first)
    assert cache.incr("essai-compte") == 7
    assert cache.get("essai-compte") == 7


@pytest.mark.django_db
def test_a_counted_attempt_swaps_the_value_its_add_read(settings, monkeypatch):
    """django-ratelimit counts with `add`, then `incr` when the counter is there: the value `add` read is the first
    one swapped, two statements in all; changed in between by another attempt, both still count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.RATELIMIT_ESSAI = "50/m"
    rule = Rule("essai", "RATELIMIT_ESSAI", "ip", ("POST",))
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.62")
    assert ratelimit.usage(request, rule, increment=True)["count"] == 1  # the counter is written
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit.usage(request, rule, increment=True)["count"] == 2
    statements = [query["sql"] for query in queries]
    assert len(statements) == 2, statements
    assert statements[0].startswith("SELECT value") and statements[1].startswith("UPDATE")
    # Another attempt, on another instance, counted between this one's `add` and its `incr`: the swap finds the
    # value changed and reads again; both count.
    from django.core.cache import caches

    elsewhere = caches.create_connection("default")
    add = AtomicDatabaseCache.add

    def another_attempt_after(self, key, *args, **kwargs):
        added = add(self, key, *args, **kwargs)
        elsewhere.incr(key)
        return added

    monkeypatch.setattr(AtomicDatabaseCache, "add", another_attempt_after)
    assert ratelimit.usage(request, rule, increment=True)["count"] == 4
    monkeypatch.undo()
    assert ratelimit.usage(request, rule, increment=False)["count"] == 4
