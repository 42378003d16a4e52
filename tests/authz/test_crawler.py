"""Every URL of the project, requested by everybody: who gets the page, who is sent to log in, who gets a 404.

The URL patterns are read from the resolver; a pattern without an entry in EXPECTATIONS fails the test,
so a new view cannot be added without saying who may open it. Each request runs in a savepoint rolled
back afterwards, so a POST that changes something (delete, accept…) leaves the next request unaffected.
"""

import datetime

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.actor import SESSION_ACTING_FOR, SESSION_CARD_TYPE, SESSION_LOGIN_METHOD
from delegations import services as delegation_services
from delegations.models import Delegation, Kind, State
from directory.models import Professional
from dossiers.models import Status
from tests.factories import DoctorUserFactory, DossierFactory, PatientFactory, UserFactory

# --- Who asks --------------------------------------------------------------------------------------------

ANON = "anonyme"
STRANGER = "inconnu (CPE, aucune délégation)"
DOCTOR = "Dr MARTIN (CPS, son espace)"
STATES = [State.PENDING, State.ACCEPTED, State.REFUSED, State.DELETED, State.EXPIRED, State.SUSPENDED]
# Each delegate's session says « Agir au nom de Dr MARTIN »; it holds only if the delegation is in force.
ASSISTANTS = {state: f"assistante ({state.label}) pour Dr MARTIN" for state in STATES}
COLLEAGUES = {state: f"confrère ({state.label}) pour Dr MARTIN" for state in STATES}
# Who left the national directory (inactive after an import), their delegations not (yet) suspended: the session
# of a professional who left ends at his next request (so he is anonymous), and a delegate of a doctor who left acts
# for nobody (so she is a stranger to everything).
LEFT_COLLEAGUE = "confrère (Acceptée) pour Dr MARTIN, inactif dans l'annuaire"
LEFT_DOCTOR = "Dr ROBERT (CPS, son espace), inactif dans l'annuaire"
LEFT_DOCTORS_ASSISTANT = "assistante (Acceptée) pour Dr ROBERT, inactif dans l'annuaire"
PERSONAS = [
    ANON, STRANGER, DOCTOR, *ASSISTANTS.values(), *COLLEAGUES.values(),
    LEFT_COLLEAGUE, LEFT_DOCTOR, LEFT_DOCTORS_ASSISTANT,
]  # fmt: skip
LOGGED_OUT_AT_ONCE = {LEFT_COLLEAGUE, LEFT_DOCTOR}

LOGGED_IN = set(PERSONAS) - {ANON}
IN_FORCE = {ASSISTANTS[State.ACCEPTED], COLLEAGUES[State.ACCEPTED]}
# A confrère whose delegation is not in force is back in his own space: he manages his own delegations.
COLLEAGUES_IN_OWN_SPACE = {COLLEAGUES[s] for s in STATES if s != State.ACCEPTED}

LOGIN = "302 → page de connexion"


def who(default, *rules) -> dict:
    """The expected status of each persona: `default`, then (personas, status) rules; anonymous → login."""
    table = dict.fromkeys(PERSONAS, default)
    table[ANON] = LOGIN
    for personas, status in rules:
        for persona in personas if isinstance(personas, set | list | tuple) else [personas]:
            table[persona] = status
    for persona in LOGGED_OUT_AT_ONCE:
        table[persona] = table[ANON]
    table[LEFT_DOCTORS_ASSISTANT] = table[STRANGER]
    return table


ONLY_POST = who(405)  # a POST-only view asked with GET, once logged in
DOCTOR_AND_IN_FORCE = {DOCTOR, *IN_FORCE}
MANAGES_DELEGATIONS = {DOCTOR, *COLLEAGUES_IN_OWN_SPACE}

# url name → method → persona → status. Objects in the paths belong to Dr MARTIN (see `objects`).
EXPECTATIONS = {
    "home": {"GET": who(302)},
    # The footer's pages: public.
    "accessibility": {"GET": who(200, (ANON, 200))},
    "legal-notice": {"GET": who(200, (ANON, 200))},
    "personal-data": {"GET": who(200, (ANON, 200))},
    # Public in the demo (the crawler runs with DEMO on); a 404 without it (tests/demo/test_demo_mails.py).
    "demo:mails": {"GET": who(200, (ANON, 200))},
    # --- accounts
    "accounts:login": {"GET": who(302, (ANON, 200))},
    "accounts:logout": {"GET": who(405, (ANON, 405)), "POST": who(LOGIN)},
    # Seconds left before the idle logout (GET) or « Rester connecté » (POST): JSON, 401 once the session ended.
    "accounts:session": {"GET": who(200, (ANON, 401)), "POST": who(200, (ANON, 401))},
    # Login methods' own endpoints: only the method is checked here (their flows have their own tests).
    "accounts:demo-login": {"GET": who(405, (ANON, 405))},
    "accounts:psc-login": {"GET": who(405, (ANON, 405))},
    "accounts:psc-callback": {"POST": who(405, (ANON, 405))},
    # Mon compte: everyone logged in sees his own (no identifier in the URL: nobody else's account is reachable).
    "account:overview": {"GET": who(200), "POST": who(405)},
    # --- dossiers: only Dr MARTIN and the delegates in force, the rest is a 404
    "dossiers:list": {"GET": who(200)},  # the others see « pas d'espace », no dossier (checked below)
    # A confrère whose delegation is not in force is back in his own space: he creates his own dossiers.
    "dossiers:create": {
        "GET": who(404, (DOCTOR_AND_IN_FORCE | COLLEAGUES_IN_OWN_SPACE, 200)),
        "POST": who(404, (DOCTOR_AND_IN_FORCE | COLLEAGUES_IN_OWN_SPACE, 200)),
    },
    "dossiers:detail": {"GET": who(404, (DOCTOR_AND_IN_FORCE, 200))},
    "dossiers:history": {"GET": who(404, (DOCTOR_AND_IN_FORCE, 200))},
    "dossiers:medical-update": {"GET": ONLY_POST, "POST": who(404, (DOCTOR_AND_IN_FORCE, 302))},
    # Validation signs: the doctor, or a confrère with his CPS; never an assistant.
    # GET: the confirmation page (what is signed, in whose name).
    "dossiers:validate": {
        "GET": who(404, ({DOCTOR, COLLEAGUES[State.ACCEPTED]}, 200)),
        "POST": who(404, ({DOCTOR, COLLEAGUES[State.ACCEPTED]}, 302)),
    },
    "dossiers:send": {"GET": ONLY_POST, "POST": who(404, (DOCTOR_AND_IN_FORCE, 302))},
    "dossiers:archive": {"GET": ONLY_POST, "POST": who(404, (DOCTOR_AND_IN_FORCE, 302))},
    # --- directory
    "directory:search": {"GET": who(200)},
    # --- MES DELEGATIONS: a médecin in his own space only; a delegate acting for Dr MARTIN never (no re-delegation)
    "delegations:list": {"GET": who(404, (MANAGES_DELEGATIONS, 200))},
    "delegations:add-assistant": {
        "GET": who(404, (MANAGES_DELEGATIONS, 200)),
        "POST": who(404, (MANAGES_DELEGATIONS, 200)),  # empty form: errors shown
    },
    "delegations:add-colleague": {
        "GET": who(404, (MANAGES_DELEGATIONS, 200)),
        "POST": who(404, (MANAGES_DELEGATIONS, 200)),
    },
    # Dr MARTIN's delegation (to the accepted assistant): his alone.
    "delegations:detail": {"GET": who(404, (DOCTOR, 200))},
    "delegations:modify": {"GET": who(404, (DOCTOR, 200)), "POST": who(404, (DOCTOR, 200))},
    "delegations:delete": {"GET": who(404, (DOCTOR, 200)), "POST": who(404, (DOCTOR, 302))},
    "delegations:resend": {"GET": ONLY_POST, "POST": who(404, (DOCTOR, 302))},
    # --- « Actions faites en mon nom » and its exports: MES DELEGATIONS' rule (delegations.authz.may_oversee)
    "oversight:actions": {"GET": who(404, (MANAGES_DELEGATIONS, 200))},
    "oversight:export-csv": {"GET": who(404, (MANAGES_DELEGATIONS, 200))},
    "oversight:export-pdf": {"GET": who(404, (MANAGES_DELEGATIONS, 200))},
    "oversight:export-fhir": {"GET": who(404, (MANAGES_DELEGATIONS, 200))},
    "oversight:preferences": {
        "GET": who(404, (MANAGES_DELEGATIONS, 200)),
        "POST": who(404, (MANAGES_DELEGATIONS, 302)),
    },
    # --- the delegate's side
    "delegations:received": {"GET": who(200)},
    # Answering the pending confrère's delegation: him alone.
    "delegations:answer": {"GET": ONLY_POST, "POST": who(404, (COLLEAGUES[State.PENDING], 302))},
    # The mailed link (the pending assistant's): only she sees it and may accept; anybody else is told at once
    # that it is meant for someone else (403).
    "delegations:invitation": {
        "GET": who(403, (ASSISTANTS[State.PENDING], 200)),
        "POST": who(403, (ASSISTANTS[State.PENDING], 302)),
    },
    "delegations:act-as-myself": {"GET": ONLY_POST, "POST": who(302)},
    # « Agir au nom de » through the accepted assistant's delegation: her alone.
    "delegations:act-for": {"GET": ONLY_POST, "POST": who(404, (ASSISTANTS[State.ACCEPTED], 302))},
    # --- the operators' FHIR endpoint (under the admin's address): no card holder, logged in or not
    "fhir:auditevent-search": {"GET": who(403, (ANON, 403))},
}

# Which of Dr MARTIN's delegations fills `pk`, when not the accepted assistant's.
PK_OF = {"delegations:answer": ("confrere", State.PENDING)}
DEFAULT_PK_OF = ("assistant", State.ACCEPTED)
QUERY = {"delegations:add-colleague": lambda o: f"selectionne={o['durand'].pk}"}
POST_DATA = {
    "dossiers:medical-update": lambda o: {"version": o["dossier"].version, "gir": "3", "commentaire": "Vu."},
    "delegations:invitation": lambda o: {"accepter": "1"},
}


# --- The URL patterns of the project -------------------------------------------------------------------

SKIPPED_NAMESPACES = {"admin"}  # /gestion/: Django's admin, operators only, with its own login


def url_patterns(patterns=None, namespace="", params=()):
    """(url name, path parameter names) of every pattern, recursively."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        names = (*params, *pattern.pattern.converters)
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner, names)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name: name it and add it to EXPECTATIONS"
            if settings.STATIC_URL and str(pattern.pattern).startswith(settings.STATIC_URL.lstrip("/")):
                continue
            yield f"{namespace}{pattern.name}", names


# --- The world: Dr MARTIN, his dossier, his delegations, and everybody's session -------------------------

TODAY = timezone.localdate  # the date the authorization place uses (Paris), not the machine's
DAY = datetime.timedelta(days=1)


def _delegation(martin, kind, state, delegate):
    expired = state == State.EXPIRED
    delegation = Delegation.objects.create(
        doctor=martin.professional,
        kind=kind,
        invited_first_name=delegate.first_name,
        invited_last_name=delegate.last_name,
        invited_email=delegate.email,
        colleague=delegate.professional if kind == Kind.COLLEAGUE else None,
        delegate=None if state == State.PENDING else delegate,
        starts_on=TODAY() - 30 * DAY,
        ends_on=TODAY() - DAY if expired else TODAY() + 30 * DAY,
        state=state,
        created_by=martin,
        can_consult=True,
        can_create=True,
        can_edit=True,
        can_validate=kind == Kind.COLLEAGUE,
    )
    token = None
    if state == State.PENDING:
        token, _ = delegation_services._new_invitation(delegation)
    return delegation, token


def _session(client, user, card_type, acting_for_id=None) -> str:
    client.cookies.clear()
    client.force_login(user)
    session = client.session
    session[SESSION_CARD_TYPE] = card_type
    session[SESSION_LOGIN_METHOD] = "demo"
    if acting_for_id:
        session[SESSION_ACTING_FOR] = acting_for_id
    session.save()
    return session.session_key


@pytest.fixture
def world(db):
    martin = DoctorUserFactory(first_name="Jean", last_name="MARTIN")
    patient = PatientFactory(birth_name="Quasimodo", first_name="Zéphyrine")
    dossier = DossierFactory(medecin_traitant=martin.professional, patient=patient, status=Status.IN_PROGRESS, gir=3)
    durand = DoctorUserFactory(first_name="Luc", last_name="DURAND")
    # One client for everything (each new client loads the middleware again, WhiteNoise scanning the
    # static files): every request sets the persona's session cookie and nothing else.
    client = Client()
    sessions = {ANON: None}
    sessions[STRANGER] = _session(client, UserFactory(first_name="Marc", last_name="Inconnu"), "CPE")
    sessions[DOCTOR] = _session(client, martin, "CPS")
    delegations, tokens = {}, {}
    for state in STATES:
        assistant = UserFactory(first_name="Sophie", last_name=f"Assistante{state.value}")
        delegations["assistant", state], tokens["assistant", state] = _delegation(
            martin, Kind.ASSISTANT, state, assistant
        )
        sessions[ASSISTANTS[state]] = _session(client, assistant, "CPE", martin.professional.pk)
        colleague = DoctorUserFactory(first_name="Claire", last_name=f"Confrere{state.value}")
        delegations["confrere", state], tokens["confrere", state] = _delegation(
            martin, Kind.COLLEAGUE, state, colleague
        )
        sessions[COLLEAGUES[state]] = _session(client, colleague, "CPS", martin.professional.pk)
    # Those who left the directory: flagged inactive by an import, nothing else written (no suspension yet).
    left_colleague = DoctorUserFactory(first_name="Luc", last_name="Radie")
    _delegation(martin, Kind.COLLEAGUE, State.ACCEPTED, left_colleague)
    sessions[LEFT_COLLEAGUE] = _session(client, left_colleague, "CPS", martin.professional.pk)
    robert = DoctorUserFactory(first_name="Henri", last_name="ROBERT")
    DossierFactory(medecin_traitant=robert.professional, patient=PatientFactory(birth_name="Belzébuth"))
    robert_assistant = UserFactory(first_name="Lise", last_name="Assistante")
    _delegation(robert, Kind.ASSISTANT, State.ACCEPTED, robert_assistant)
    sessions[LEFT_DOCTOR] = _session(client, robert, "CPS")
    sessions[LEFT_DOCTORS_ASSISTANT] = _session(client, robert_assistant, "CPE", robert.professional.pk)
    Professional.objects.filter(pk__in=[left_colleague.professional.pk, robert.professional.pk]).update(is_active=False)
    return {
        "martin": martin,
        "dossier": dossier,
        "durand": durand.professional,
        "delegations": delegations,
        "token": tokens["assistant", State.PENDING],
        "sessions": sessions,
        "client": client,
    }


def _path(world, name, params) -> str:
    values = {}
    for param in params:
        if param == "number":
            values[param] = world["dossier"].number
        elif param == "pk":
            values[param] = world["delegations"][PK_OF.get(name, DEFAULT_PK_OF)].pk
        elif param == "token":
            values[param] = world["token"]
        elif param == "decision":
            values[param] = "accepter"
        else:
            pytest.fail(f"{name}: no value for the path parameter « {param} »: add one to the crawler")
    path = reverse(name, kwargs=values)
    if name in QUERY:
        path += "?" + QUERY[name](world)
    return path


def _request(world, persona, method, path, data=None):
    """One request, in a savepoint rolled back afterwards, with the persona's session cookie only."""
    client, session_key = world["client"], world["sessions"][persona]
    client.cookies.clear()
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    with transaction.atomic():
        response = client.get(path) if method == "GET" else client.post(path, data or {})
        # A streamed export is read here, within the savepoint, like any other page.
        response.crawled = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response


def _outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN
    return response.status_code


def test_every_url_has_expectations():
    names = {name for name, _ in url_patterns()}
    assert names - set(EXPECTATIONS) == set(), "URL patterns without expectations: add them to EXPECTATIONS"
    assert set(EXPECTATIONS) - names == set(), "expectations for URL patterns that no longer exist"


def test_everybody_on_every_url(world, settings):
    settings.DEMO = True
    dossier_number = world["dossier"].number
    failures = []
    for name, params in url_patterns():
        if name not in EXPECTATIONS:
            failures.append(f"{name}: no expectation")
            continue
        path = _path(world, name, params)
        for method, expected in EXPECTATIONS[name].items():
            data = POST_DATA[name](world) if method == "POST" and name in POST_DATA else None
            for persona in PERSONAS:
                response = _request(world, persona, method, path, data)
                outcome = _outcome(response)
                if outcome != expected[persona]:
                    failures.append(f"{method} {path} as {persona}: {outcome}, expected {expected[persona]}")
                # Dr MARTIN's patient appears on no page of anyone but him and his delegates in force.
                body = response.crawled.decode(errors="replace").lower() if response.status_code == 200 else ""
                if ("quasimodo" in body or dossier_number.lower() in body) and persona not in DOCTOR_AND_IN_FORCE:
                    failures.append(f"{method} {path} as {persona}: shows Dr MARTIN's patient")
                # Dr ROBERT left the directory: his patient appears on nobody's page, not even his own.
                if "belzébuth" in body:
                    failures.append(f"{method} {path} as {persona}: shows Dr ROBERT's patient")
    assert failures == [], "\n".join(failures)


def test_another_doctors_objects_are_404_for_everybody(world):
    """Nobody gets anything on a doctor who delegated nothing to them, not even Dr MARTIN."""
    durand = world["durand"]
    other_delegate = UserFactory(first_name="Eve", last_name="AUTRE")
    dossier = DossierFactory(medecin_traitant=durand)
    delegation = Delegation.objects.create(
        doctor=durand,
        kind=Kind.ASSISTANT,
        invited_first_name="Eve",
        invited_last_name="AUTRE",
        invited_email="eve@example.org",
        delegate=other_delegate,
        starts_on=TODAY(),
        state=State.ACCEPTED,
        created_by=durand.user,
        answered_at=timezone.now(),
    )
    failures = []
    for name, params in url_patterns():
        if not {"number", "pk"} & set(params):
            continue
        values = {"number": dossier.number, "pk": delegation.pk, "decision": "accepter"}
        path = reverse(name, kwargs={p: values[p] for p in params})
        method = "POST" if "POST" in EXPECTATIONS[name] else "GET"
        for persona in PERSONAS:
            outcome = _outcome(_request(world, persona, method, path))
            expected = LOGIN if persona == ANON or persona in LOGGED_OUT_AT_ONCE else 404
            if outcome != expected:
                failures.append(f"{method} {path} as {persona}: {outcome}, expected {expected}")
    assert failures == [], "\n".join(failures)
