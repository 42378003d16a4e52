"""No authorization code, state, nonce, PKCE verifier or token in any log line of a refused Pro Santé Connect
callback: every logger at DEBUG, read as the production handler writes it (JSON lines). Django's
`django.request` line of a 4xx/5xx response carries the request object, whose text holds the query string."""

import contextlib
import io
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts.methods import psc
from core.logs import JsonFormatter, ScrubFilter
from tests.accounts import test_psc
from tests.accounts.test_psc import CALLBACK, log_in, logged_in_user_id, start
from tests.psc import CLIENT_SECRET, JEAN_MARTIN, authenticate_at_provider

martin = test_psc.martin  # the fixture: Dr Jean MARTIN, known to the directory


# The same test provider and PSC settings as the login tests (module-scoped provider, PSC on for every test).
provider = test_psc.provider
psc_on = test_psc.psc_on


@contextlib.contextmanager
def every_log_line():
    """Every record of every logger, DEBUG and up, through the console handler of settings.LOGGING (its
    filters and JSON formatter): yields a function returning the lines written so far."""
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console"]
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    levels = [(logger, logger.level, logger.disabled) for logger in loggers]
    stream = io.StringIO()
    # Assigned, not setStream(): that flushes the previous stream, closed if an earlier pytest session in
    # this process (mutmut's runner) captured it.
    previous, handler.stream = handler.stream, stream
    try:
        for logger in loggers:
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
        yield lambda: stream.getvalue()
    finally:
        handler.stream = previous
        for logger, level, disabled in levels:
            logger.setLevel(level)
            logger.disabled = disabled


def secrets_of(callback_url: str, pending: dict) -> dict[str, str]:
    query = parse_qs(urlsplit(callback_url).query)
    return {
        "code": query["code"][0],
        "state": query["state"][0],
        "nonce": pending["nonce"],
        "PKCE": pending["code_verifier"],
        "client secret": CLIENT_SECRET,
    }


def assert_django_lines_without_request(text: str, count: int) -> None:
    django_lines = [json.loads(line) for line in text.splitlines() if '"logger": "django.request"' in line]
    assert len(django_lines) == count
    assert all(line["status_code"] == 400 and "request" not in line for line in django_lines)


def assert_nowhere(secrets: dict[str, str], text: str) -> None:
    assert text, "aucune ligne de journal capturée"
    for kind, value in secrets.items():
        assert value not in text, f"{kind} dans les journaux"


@pytest.mark.django_db
def test_a_forged_state_leaves_no_code_nor_state_in_the_logs(martin):
    client = Client()
    callback_url = authenticate_at_provider(start(client), JEAN_MARTIN, stop_at=CALLBACK)
    secrets = secrets_of(callback_url, client.session[psc.SESSION_PENDING])
    with every_log_line() as lines:
        forged = client.get(callback_url.removeprefix("http://testserver").replace("state=", "state=x"))
        genuine_too_late = client.get(callback_url.removeprefix("http://testserver"))
    assert forged.status_code == 400 and genuine_too_late.status_code == 400
    assert logged_in_user_id(client) is None
    # Django's line for each refused callback is there, without its request.
    assert_django_lines_without_request(lines(), 2)
    assert_nowhere(secrets, lines())


@pytest.mark.django_db
def test_a_replayed_callback_leaves_no_code_nor_token_in_the_logs(martin):
    client = Client()
    start(client)
    pending = client.session[psc.SESSION_PENDING]
    response, callback_url = log_in(client, JEAN_MARTIN)
    assert response.status_code == 302
    secrets = {**secrets_of(callback_url, pending), "ID token": client.session[psc.SESSION_ID_TOKEN]}
    client.post("/connexion/deconnexion/")
    with every_log_line() as lines:
        replay = client.get(callback_url.removeprefix("http://testserver"))
        thief = Client().get(callback_url.removeprefix("http://testserver"))
    assert replay.status_code == 400 and thief.status_code == 400
    assert_django_lines_without_request(lines(), 2)
    assert_nowhere(secrets, lines())


@pytest.mark.django_db
def test_a_code_refused_by_the_provider_leaves_it_out_of_the_logs(martin):
    client = Client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    code = "code-court"  # short and with a separator: not a « long token » for the scrubber
    with every_log_line() as lines:
        response = client.get("/connexion/psc/retour/", {"code": code, "state": state})
    assert response.status_code == 400
    assert_nowhere({"code": code, "state": state}, lines())


def test_objects_attached_to_a_record_are_dropped_or_scrubbed(rf):
    request = rf.get("/connexion/psc/retour/", {"code": "abc-123", "state": "etat-court"})

    class Holder:
        def __str__(self):
            return "https://fournisseur.example/retour?code=abc-123&state=etat-court"

    record = logging.makeLogRecord(
        {"msg": "Bad Request: %s %s", "args": ("/connexion/psc/retour/", Holder()), "levelno": logging.WARNING}
    )
    record.request, record.holder, record.status_code = request, Holder(), 400
    assert ScrubFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "abc-123" not in line and "etat-court" not in line
    assert not hasattr(record, "request") and '"status_code": 400' in line
    assert "code=[masqué]" in line and "state=[masqué]" in line
    # A handler without the filter: the formatter leaves the request out too.
    bare = logging.makeLogRecord({"msg": "Bad Request"})
    bare.request = request
    assert "abc-123" not in JsonFormatter().format(bare)
