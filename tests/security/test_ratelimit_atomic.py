"""The rate limits' counter is atomic: simultaneous attempts on several connections all count (PostgreSQL).

Several instances of the application share the database cache (core/cache.py). Django's own DatabaseCache
increments by « get then set »: two attempts read the same count and write the same count plus one, and an
attacker spreading his attempts gets more than the limit. Here threads, each with its own connection, are
released together by a barrier and increment the same counter; not one increment may be lost.
SQLite lets one writer at a time: the race only means something on PostgreSQL.
"""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited

from core.cache import AtomicDatabaseCache

THREADS = 4
EACH = 50

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL: SQLite allows one write transaction at a time",
    ),
    pytest.mark.django_db(transaction=True),
]


def together(job) -> list:
    """THREADS threads released at once, each running `job` EACH times on its own connection."""
    barrier = threading.Barrier(THREADS)
    results, errors = [], []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait(timeout=10)
            for _ in range(EACH):
                value = job()
                with lock:
                    results.append(value)
        except Exception as error:  # reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    assert errors == []
    return results


@pytest.fixture(params=["swap", "lock"])
def increment(request, monkeypatch):
    """Both ways the cache increments: compare and swap, and the row lock it falls back to after too many tries.
    Gives the number of increments that fell back to the lock."""
    if request.param == "lock":
        monkeypatch.setattr(AtomicDatabaseCache, "SWAP_TRIES", 0)
    locked = AtomicDatabaseCache._incr_locked
    fallbacks = []

    def counted(self, *args, **kwargs):
        fallbacks.append(1)  # list.append is atomic: the threads need no lock
        return locked(self, *args, **kwargs)

    monkeypatch.setattr(AtomicDatabaseCache, "_incr_locked", counted)
    return request.param, fallbacks


def fell_back_for_few(increment) -> bool:
    """The swap did most of the counting (a swap that never matched would fall back every time, and still count)."""
    way, fallbacks = increment
    return len(fallbacks) == THREADS * EACH if way == "lock" else len(fallbacks) < THREADS * EACH // 10


def test_simultaneous_increments_are_all_counted(increment):
    cache.add("tentatives", 0, 300)
    results = together(lambda: cache.incr("tentatives"))
    assert cache.get("tentatives") == THREADS * EACH
    # Each increment saw its own value: no two read the same count.
    assert sorted(results) == list(range(1, THREADS * EACH + 1))
    assert fell_back_for_few(increment)


def test_simultaneous_attempts_get_exactly_the_limit(settings, increment):
    """Through django-ratelimit, as the middleware counts: no more attempts pass than the rate allows."""
    limit = THREADS * EACH // 2
    settings.RATELIMIT_PROXY_COUNT = 0
    request = RequestFactory().post("/connexion/demo/", REMOTE_ADDR="203.0.113.50")

    def attempt() -> bool:
        return is_ratelimited(
            request, group="essai-atomique", key="ip", rate=f"{limit}/d", method=["POST"], increment=True
        )

    assert attempt() is False  # the first attempt creates the counter
    refused = together(attempt)
    assert refused.count(False) == limit - 1
    assert refused.count(True) == THREADS * EACH - (limit - 1)
    assert fell_back_for_few(increment)
