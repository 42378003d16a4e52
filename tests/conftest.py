import pytest
from django.test import Client

from accounts.actor import SESSION_CARD_TYPE, SESSION_LOGIN_METHOD, Actor
from tests.mail import smtp_server  # noqa: F401

from .factories import CardFactory, DossierFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # PIN hashing with the default hasher is deliberately slow; tests need no such cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files come from the finders in tests: no collectstatic manifest needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_journal_truncate_guard():
    """A transactional test ends with a flush, on PostgreSQL one TRUNCATE of every table, which the journal's
    trigger refuses (migration journal/0009): the test database's owner lets it through for that statement only."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_with_the_journal(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        if statements and "journal_entry" in tables:
            table = "ALTER TABLE journal_entry {} TRIGGER USER"
            statements = [table.format("DISABLE"), *statements, table.format("ENABLE")]
        return statements

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", flush_with_the_journal)
        yield


@pytest.fixture(autouse=True)
def _rate_limit_windows_stand_still(monkeypatch):
    """django-ratelimit counts in fixed windows of real time: a test that runs across a window's end sees its counter
    start again and fails at random. Within one test, the windows' clock stands still."""
    import time
    from types import SimpleNamespace

    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate-limit counters live in the database cache, which a transactional test's flush does not empty."""
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if transactional or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        from django.core.cache import cache

        cache.clear()


def login_client(card) -> Client:
    """A test client logged in as the card holder, as if through the demo card reader."""
    client = Client()
    client.force_login(card.holder)
    session = client.session
    session[SESSION_CARD_TYPE] = card.card_type
    session[SESSION_LOGIN_METHOD] = "demo"
    session.save()
    return client


def actor_for(card, **extra) -> Actor:
    return Actor(user=card.holder, card_type=card.card_type, login_method="demo", **extra)


@pytest.fixture
def doctor_card(db):
    return CardFactory(card_type="CPS")


@pytest.fixture
def other_doctor_card(db):
    return CardFactory(card_type="CPS")


@pytest.fixture
def assistant_card(db):
    return CardFactory(card_type="CPE", holder=UserFactory())


@pytest.fixture
def dossier(doctor_card):
    return DossierFactory(medecin_traitant=doctor_card.holder.professional)
