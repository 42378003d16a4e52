import pytest
from django.test import Client
from django.utils import timezone

from accounts.actor import SESSION_ACTING_FOR, SESSION_CARD_TYPE, SESSION_LOGIN_METHOD, Actor
from delegations.models import Kind, State
from delegations.policy import FROM_DIRECTORY, KINDS
from tests.mail import smtp_server  # noqa: F401

from .factories import CardFactory, DelegationFactory, DoctorUserFactory, DossierFactory

TODAY = timezone.localdate  # the application's date (Paris), not the machine's


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


def login_client(card, acting_for=None) -> Client:
    """A test client logged in as the card holder, as if through the demo card reader; with `acting_for` (a doctor's
    card), his session says « Agir au nom de » that doctor (the middleware still checks the delegation)."""
    client = Client()
    client.force_login(card.holder)
    session = client.session
    session[SESSION_CARD_TYPE] = card.card_type
    session[SESSION_LOGIN_METHOD] = "demo"
    if acting_for is not None:
        session[SESSION_ACTING_FOR] = acting_for.holder.professional.pk
    session.save()
    return client


def actor_for(card, **extra) -> Actor:
    return Actor(user=card.holder, card_type=card.card_type, login_method="demo", **extra)


def delegate_actor(delegate_card, doctor_card) -> Actor:
    """The delegate, with his card, acting on behalf of the doctor (« Agir au nom de »)."""
    return actor_for(delegate_card, acting_for_id=doctor_card.holder.professional.pk)


def make_delegation(
    doctor_card, delegate_card, *, kind=Kind.ASSISTANT, state=State.ACCEPTED, rights=("consult",), **fields
):
    """The doctor's delegation to the card holder, bound to him unless pending; the rest as DelegationFactory gives
    it (from yesterday; an end date if the kind requires one), or as `fields` say (`starts_on`, `ends_on`…)."""
    delegate = delegate_card.holder
    return DelegationFactory(
        doctor=doctor_card.holder.professional,
        created_by=doctor_card.holder,
        kind=kind,
        state=state,
        delegate=None if state == State.PENDING else delegate,
        colleague=delegate.professional if KINDS[kind].invitee == FROM_DIRECTORY else None,
        invited_first_name=delegate.first_name,
        invited_last_name=delegate.last_name,
        invited_email=delegate.email or "x@example.org",
        **{f"can_{right}": True for right in rights},
        **fields,
    )


@pytest.fixture
def doctor_card(db):
    return CardFactory()


@pytest.fixture
def other_doctor_card(db):
    return CardFactory()


@pytest.fixture
def assistant_card(db):
    return CardFactory(assistant=True)


# The story's people (PRODUCT.md): Dr Jean MARTIN delegates to Sophie BERNARD, his assistant, and to Dr Claire DUBOIS.


@pytest.fixture
def martin(db):
    holder = DoctorUserFactory(
        first_name="Jean",
        last_name="MARTIN",
        professional__first_name="Jean",
        professional__last_name="MARTIN",
        email="jean.martin@example.org",
    )
    return CardFactory(holder=holder)


@pytest.fixture
def sophie(db):
    return CardFactory(
        assistant=True,
        holder__first_name="Sophie",
        holder__last_name="Bernard",
        holder__email="sophie.bernard@example.org",
    )


@pytest.fixture
def dubois(db):
    holder = DoctorUserFactory(
        first_name="Claire", last_name="DUBOIS", professional__first_name="Claire", professional__last_name="DUBOIS"
    )
    return CardFactory(holder=holder)


@pytest.fixture
def dossier(doctor_card):
    return DossierFactory(medecin_traitant=doctor_card.holder.professional)
