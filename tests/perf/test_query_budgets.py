"""A page costs the same number of SQL queries whatever the size of the data behind it.

Each page is measured twice, at a small and at a large size (dossiers, history entries, delegations,
directory results), as the doctor and as a delegate acting for him. The two counts must be equal (no query
per row) and within the page's budget (a constant: sessions, actor, authorization, the page's own reads, the
consultation INSERT of the dossier page and its journal chain).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delegations.models import Kind, State
from journal.models import Action, ActorRole
from journal.services import record
from oversight.models import Preferences
from tests.conftest import login_client
from tests.factories import (
    CardFactory,
    DelegationFactory,
    DoctorUserFactory,
    DossierFactory,
    PracticePlaceFactory,
    ProfessionalFactory,
    UserFactory,
)

# Queries per page, whatever the size (measured, doctor-delegate, SQLite-PostgreSQL: 5-6, 5-7, 4-5, 4, 3-4, 5, 5:
# the session is read, not written, on most pages; the user comes with his directory entry; a long list's page
# comes with its count, core/pagination.py), with one to spare; a query per row at the large size exceeds them.
BUDGETS = {
    "dossier_list": 7,  # + the panel « Depuis votre dernière connexion » (preferences, entries), the latest changes
    "dossier_detail": 8,  # + the consultation INSERT and (SQLite; PostgreSQL reads it in the INSERT) the journal head
    "dossier_history": 6,
    "my_delegations": 5,
    "delegation_detail": 6,  # measured 5 on SQLite
    "received": 5,
    "directory_search": 6,
    "colleague_search": 6,
    "my_account": 6,  # the cards, the places, the last logins (bounded)
    "oversight_actions": 5,
}
SMALL, LARGE = "small", "large"


def count_queries(client, url) -> int:
    """Queries of the page once warm (the first request may create per-user cache rows, e.g. rate-limit
    counters). Savepoints and the shared cache table (rate-limit counters: a constant per request, owned by
    core) are left out of the count: the budget is the page's own reads and writes."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return sum(1 for query in captured.captured_queries if _counted(query["sql"]))


def _counted(sql: str) -> bool:
    statement = sql.lstrip().upper()
    if statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
        return False
    return "django_cache" not in sql


def assert_constant(page: str, counts: dict) -> None:
    assert counts[SMALL] == counts[LARGE], f"{page}: {counts} — a query per row?"
    assert counts[LARGE] <= BUDGETS[page], f"{page}: {counts[LARGE]} queries > budget {BUDGETS[page]}"


@pytest.fixture
def doctor(db):
    return CardFactory(card_type="CPS")


@pytest.fixture
def delegate(doctor):
    """An assistant with an accepted delegation (all an assistant may get) from the doctor."""
    card = CardFactory(card_type="CPE", holder=UserFactory())
    _delegation(doctor.holder.professional, card.holder)
    return card


def _delegation(doctor_professional, delegate_user=None, *, kind=Kind.ASSISTANT, state=State.ACCEPTED, colleague=None):
    return DelegationFactory(
        doctor=doctor_professional,
        created_by=doctor_professional.user,
        kind=kind,
        state=state,
        colleague=colleague,
        delegate=delegate_user if state != State.PENDING else None,
        can_create=True,
        can_edit=True,
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def add_entries(dossier, doctor, n):
    professional = doctor.holder.professional
    for i in range(n):
        delegated = i % 2 == 1
        record(
            action=Action.MEDICAL_UPDATED if i % 3 else Action.DOSSIER_VIEWED,
            actor_user=doctor.holder,
            actor_name=doctor.holder.display_name,
            actor_role=ActorRole.ASSISTANT if delegated else ActorRole.DOCTOR,
            card_type="CPE" if delegated else "CPS",
            on_behalf_of=professional if delegated else None,
            is_delegated=delegated,
            dossier=dossier,
            changes=[{"field": "gir", "label": "GIR", "old": str(i), "new": str(i + 1)}] if i % 3 else [],
        )


def as_who(doctor, delegate):
    return {"doctor": login_client(doctor), "delegate": login_client(delegate, acting_for=doctor)}


# --- Mes dossiers: 3 vs 60 dossiers ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["doctor", "delegate"])
def test_dossier_list_is_constant(who, doctor, delegate):
    client = as_who(doctor, delegate)[who]
    professional = doctor.holder.professional
    # The doctor's previous login was yesterday: the panel « Depuis votre dernière connexion » counts since then.
    Preferences.objects.filter(user=doctor.holder).update(previous_login_at=timezone.now() - datetime.timedelta(days=1))
    dossiers = DossierFactory.create_batch(3, medecin_traitant=professional)
    _delegated_entries(doctor, delegate, dossiers, 6)
    small = count_queries(client, "/dossiers/")
    dossiers += DossierFactory.create_batch(57, medecin_traitant=professional)
    _delegated_entries(doctor, delegate, dossiers, 120)
    counts = {SMALL: small, LARGE: count_queries(client, "/dossiers/")}
    assert_constant("dossier_list", counts)
    # A later page and a filtered list cost the same.
    assert count_queries(client, "/dossiers/?page=3") == counts[LARGE]
    assert count_queries(client, "/dossiers/?status=en_cours") == counts[LARGE]


# --- A dossier and its history: 5 vs 200 entries ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["doctor", "delegate"])
@pytest.mark.parametrize(("page", "suffix"), [("dossier_detail", ""), ("dossier_history", "historique/")])
def test_dossier_pages_are_constant(who, page, suffix, doctor, delegate):
    client = as_who(doctor, delegate)[who]
    dossier = DossierFactory(medecin_traitant=doctor.holder.professional)
    url = f"/dossiers/{dossier.number}/{suffix}"
    add_entries(dossier, doctor, 5)
    small = count_queries(client, url)
    add_entries(dossier, doctor, 195)
    counts = {SMALL: small, LARGE: count_queries(client, url)}
    assert_constant(page, counts)
    if page == "dossier_history":
        assert count_queries(client, f"{url}?page=5") == counts[LARGE]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/dossiers/", "/dossiers/{n}/", "/dossiers/{n}/historique/"])
def test_a_delegate_pays_at_most_two_queries_more_than_the_doctor(page, doctor, delegate):
    """The delegation in force is read once per request (memoised on the actor), whatever the page."""
    dossier = DossierFactory(medecin_traitant=doctor.holder.professional)
    url = page.format(n=dossier.number)
    own = count_queries(login_client(doctor), url)
    delegated = count_queries(login_client(delegate, acting_for=doctor), url)
    assert delegated <= own + 2, (own, delegated)


# --- MES DELEGATIONS: 2 vs 40 delegations, assistants and colleagues, every state -------------------------


def _grant(doctor, n):
    professional = doctor.holder.professional
    states = [State.PENDING, State.ACCEPTED, State.REFUSED, State.DELETED, State.EXPIRED]
    for i in range(n):
        state = states[i % len(states)]
        if i % 2:
            colleague_card = CardFactory(card_type="CPS")
            colleague = colleague_card.holder.professional
            PracticePlaceFactory(professional=colleague)
            _delegation(professional, colleague_card.holder, kind=Kind.COLLEAGUE, state=state, colleague=colleague)
        else:
            _delegation(professional, UserFactory(), state=state)


@pytest.mark.django_db
def test_my_delegations_is_constant(doctor):
    client = login_client(doctor)
    _grant(doctor, 2)
    small = count_queries(client, "/delegations/")
    _grant(doctor, 38)
    assert_constant("my_delegations", {SMALL: small, LARGE: count_queries(client, "/delegations/")})


# --- A delegation and its history: 5 vs 200 entries ---------------------------------------------------------


def add_delegation_entries(delegation, doctor, n):
    for i in range(n):
        record(
            action=Action.DELEGATION_MODIFIED if i % 2 else Action.DELEGATION_RESENT,
            actor_user=doctor.holder,
            actor_name=doctor.holder.display_name,
            actor_role=ActorRole.DOCTOR,
            on_behalf_of=doctor.holder.professional,
            delegation=delegation,
            changes=[{"field": "ends_on", "label": "Date de fin", "old": str(i), "new": str(i + 1)}] if i % 2 else [],
        )


@pytest.mark.django_db
def test_delegation_detail_is_constant(doctor):
    client = login_client(doctor)
    delegation = _delegation(doctor.holder.professional, UserFactory())
    url = f"/delegations/{delegation.pk}/"
    add_delegation_entries(delegation, doctor, 5)
    small = count_queries(client, url)
    add_delegation_entries(delegation, doctor, 195)
    counts = {SMALL: small, LARGE: count_queries(client, url)}
    assert_constant("delegation_detail", counts)
    assert count_queries(client, f"{url}?page=5") == counts[LARGE]


# --- Délégations reçues: 2 vs 40 doctors delegating to the same assistant --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("acting", [False, True])
def test_received_is_constant(acting, doctor, delegate):
    client = login_client(delegate, acting_for=doctor if acting else None)

    def receive(n):
        for i in range(n):
            other = DoctorUserFactory().professional
            state = State.ACCEPTED if i % 2 else State.REFUSED
            _delegation(other, delegate.holder, state=state)

    receive(1)
    small = count_queries(client, "/delegations/recues/")
    receive(39)
    assert_constant("received", {SMALL: small, LARGE: count_queries(client, "/delegations/recues/")})


# --- The directory: 3 vs 40 doctors found, 2 places each -------------------------------------------------


def _directory(n):
    for _ in range(n):
        professional = ProfessionalFactory(last_name="Lambert")
        PracticePlaceFactory(professional=professional)
        PracticePlaceFactory(professional=professional, postal_code="69007")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "url"),
    [
        ("directory_search", "/annuaire/?name=lamb&place=69"),
        ("colleague_search", "/delegations/medecin/ajouter/?name=lamb&place=69"),
    ],
)
def test_directory_search_is_constant(page, url, doctor):
    client = login_client(doctor)
    _directory(3)
    small = count_queries(client, url)
    _directory(37)
    assert_constant(page, {SMALL: small, LARGE: count_queries(client, url)})


# --- Mon compte: 1 vs 3 cards and places, 2 vs 60 logins ------------------------------------------------------


def _logins(card, n):
    for _ in range(n):
        record(
            action=Action.LOGIN,
            actor_user=card.holder,
            actor_name=card.holder.display_name,
            actor_role=ActorRole.DOCTOR,
            card_type="CPS",
            login_method="demo",
        )


@pytest.mark.django_db
def test_my_account_is_constant(doctor):
    client = login_client(doctor)
    PracticePlaceFactory(professional=doctor.holder.professional)
    _logins(doctor, 2)
    small = count_queries(client, "/compte/")
    for _ in range(2):
        CardFactory(card_type="CPS", holder=doctor.holder)
        PracticePlaceFactory(professional=doctor.holder.professional)
    _logins(doctor, 58)
    assert_constant("my_account", {SMALL: small, LARGE: count_queries(client, "/compte/")})


# --- « Actions faites en mon nom »: 6 vs 300 entries on his behalf, over 2 vs 20 dossiers -------------------


def _delegated_entries(doctor, delegate, dossiers, n):
    professional = doctor.holder.professional
    for i in range(n):
        record(
            action=Action.MEDICAL_UPDATED if i % 3 else Action.DOSSIER_VIEWED,
            actor_user=delegate.holder,
            actor_name=delegate.holder.display_name,
            actor_role=ActorRole.ASSISTANT,
            card_type="CPE",
            on_behalf_of=professional,
            is_delegated=True,
            dossier=dossiers[i % len(dossiers)],
            changes=[{"field": "gir", "label": "GIR", "old": str(i % 6 + 1), "new": ""}] if i % 3 else [],
        )


@pytest.mark.django_db
def test_oversight_actions_is_constant(doctor, delegate):
    client = login_client(doctor)
    professional = doctor.holder.professional
    dossiers = DossierFactory.create_batch(2, medecin_traitant=professional)
    _delegated_entries(doctor, delegate, dossiers, 6)
    url = "/actions-en-mon-nom/"
    small = count_queries(client, url)
    dossiers += DossierFactory.create_batch(18, medecin_traitant=professional)
    _delegated_entries(doctor, delegate, dossiers, 294)
    counts = {SMALL: small, LARGE: count_queries(client, url)}
    assert_constant("oversight_actions", counts)
    # A later page and every filter cost the same.
    assert count_queries(client, f"{url}?page=5") == counts[LARGE]
    filtered = f"{url}?filtrer=1&delegue={delegate.holder.pk}&action=modification&du=2020-01-01&patient=a"
    assert count_queries(client, filtered) == counts[LARGE]
