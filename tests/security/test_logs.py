"""Nothing personal in the logs: a full story, read as the production handler writes it (JSON lines)."""

import io
import json
import logging
import re

import pytest
from django.db import transaction
from django.test import Client

from core.logs import REQUEST_ID_HEADER, ScrubFilter, scrub
from delegations.models import Invitation
from journal.models import Action, ActorRole
from journal.services import record
from tests.delegations.test_flows import invite_sophie, link_in, path_of
from tests.factories import DoctorUserFactory, DossierFactory
from tests.mail import run_worker

PIN = "1234"
# Eight digits: a four-digit PIN turned up by chance inside a random request id (a UUID) and failed CI.
WRONG_PIN = "80615273"


@pytest.fixture
def log_lines():
    """What the console handler of settings.LOGGING writes (JSON formatter, context and scrub filters)."""
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console"]
    stream = io.StringIO()
    # Assigned, not setStream(): that flushes the previous stream, closed if an earlier pytest session in
    # this process (mutmut's runner) captured it.
    previous, handler.stream = handler.stream, stream
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.stream = previous


@pytest.mark.django_db
def test_a_full_story_leaves_no_personal_data_in_the_logs(
    settings, martin, sophie, smtp_server, django_capture_on_commit_callbacks, log_lines
):
    settings.DEMO = True
    dossier = DossierFactory(
        medecin_traitant=martin.holder.professional, patient__birth_name="ROUSSEAU", patient__first_name="Yvette"
    )
    doctor = Client()
    # Demo login: a wrong PIN, then the right one (journal events are logged on commit).
    with django_capture_on_commit_callbacks(execute=True):
        assert doctor.post("/connexion/demo/", {"card": martin.pk, "pin": WRONG_PIN}).status_code == 200
        response = doctor.post("/connexion/demo/", {"card": martin.pk, "pin": PIN}, HTTP_X_REQUEST_ID="lb-req-0001abcd")
    assert response.status_code == 302 and response[REQUEST_ID_HEADER] == "lb-req-0001abcd"
    doctor_session_key = doctor.session.session_key
    # Open the dossier, save the volet médical (journal events are logged on commit).
    with django_capture_on_commit_callbacks(execute=True):
        assert doctor.get(f"/dossiers/{dossier.number}/").status_code == 200
        saved = doctor.post(
            f"/dossiers/{dossier.number}/volet-medical/",
            {"antecedents": "Diabète de type 2", "pathologies": "", "traitements": "", "allergies": "", "gir": "3",
             "commentaire": "", "version": dossier.version},
        )  # fmt: skip
    assert saved.status_code == 302
    # A delegation to an assistant with her e-mail address; she accepts through the mailed link.
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_sophie(doctor).status_code == 302
    run_worker()
    [mail] = smtp_server.to("sophie.bernard@example.org")
    link = path_of(link_in(mail))
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert Invitation.objects.count() == 1 and len(token) >= 20
    assistant = Client()
    assert assistant.get(link).status_code == 302  # log in first (the next= URL carries the token)
    assert assistant.post("/connexion/demo/", {"card": sophie.pk, "pin": PIN, "next": link}).status_code == 302
    assistant_session_key = assistant.session.session_key
    assert assistant.post(link, {"accepter": "1"}).status_code == 302

    lines = log_lines()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    forbidden = {
        "noms": ["MARTIN", "Martin", "Bernard", "Sophie", "ROUSSEAU", "Yvette", martin.holder.first_name],
        "adresses": ["sophie.bernard@example.org", "jean.martin@example.org", "@example.org"],
        "PIN": [f'"{PIN}"', WRONG_PIN, f"={PIN}", f" {PIN} "],
        "jeton": [token],
        "sessions": [doctor_session_key, assistant_session_key],
        "données médicales": ["Diabète"],
    }
    for kind, values in forbidden.items():
        for value in values:
            assert value not in text, f"{kind} dans les journaux : {value!r}"

    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 8
    assert all(re.fullmatch(r"[A-Za-z0-9._:=-]{8,100}", line["request_id"]) for line in requests)
    assert len({line["request_id"] for line in requests}) == len(requests)
    assert any(line["request_id"] == "lb-req-0001abcd" for line in requests)
    actors = {line.get("actor_id") for line in lines}
    assert {martin.holder.pk, sophie.holder.pk} <= actors
    actions = {line.get("action") for line in lines}
    expected = {"login_failed", "login", "dossier_viewed", "delegations:add-assistant", "dossiers:medical-update"}
    assert expected <= actions
    # Events carry the request id of the request that caused them.
    login_event = next(line for line in lines if line.get("action") == "login" and line.get("event") == "event")
    assert login_event["request_id"] == "lb-req-0001abcd" and login_event["actor_id"] == martin.holder.pk


def test_an_invalid_incoming_request_id_is_replaced(db):
    response = Client().get("/connexion/", HTTP_X_REQUEST_ID="jean.martin@example.org")
    assert response[REQUEST_ID_HEADER] != "jean.martin@example.org"
    assert re.fullmatch(r"[0-9a-f-]{36}", response[REQUEST_ID_HEADER])


def test_the_scrub_filter_masks_addresses_and_tokens():
    token = "Zx8_k2-PqL0aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"
    record = logging.makeLogRecord(
        {"msg": "envoi à %s, lien /delegations/invitation/%s/", "args": ("marie.curie@exemple.fr", token)}
    )
    record.recipient = "marie.curie@exemple.fr"
    assert ScrubFilter().filter(record)
    assert "marie.curie" not in record.getMessage() and token not in record.getMessage()
    assert "[adresse masquée]" in record.getMessage() and "[jeton masqué]" in record.getMessage()
    assert record.recipient == "[adresse masquée]"
    assert scrub("dossier D-2024-000123 GIR 3") == "dossier D-2024-000123 GIR 3"


@pytest.mark.django_db
def test_a_journal_entry_is_logged_only_once_committed(log_lines, django_capture_on_commit_callbacks):
    doctor = DoctorUserFactory()
    dossier = DossierFactory(medecin_traitant=doctor.professional)

    def view():
        return record(action=Action.DOSSIER_VIEWED, actor_user=doctor, actor_name=doctor.display_name,
                      actor_role=ActorRole.DOCTOR, on_behalf_of=doctor.professional, dossier=dossier)  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            view()
            raise RuntimeError("the change fails: its journal entry is rolled back with it")
        kept = view()
    events = [line for line in log_lines() if line.get("event") == "event"]
    assert [(line["action"], line["entry_id"]) for line in events] == [("dossier_viewed", kept.pk)]
    # With the ids of what it is about; none for what it is not about (no delegation here).
    assert (events[0]["dossier_id"], events[0]["on_behalf_of_id"]) == (dossier.pk, doctor.professional.pk)
    assert "delegation_id" not in events[0]


def test_djangos_own_log_handlers_are_gone():
    """Django's « django » logger keeps, unless told, a raw console handler (under DEBUG: request lines with their
    query strings, unscrubbed) and a mail to ADMINS (SMTP from a request): only our scrubbed handler remains."""
    import logging

    django_logger = logging.getLogger("django")
    assert django_logger.handlers == [] and django_logger.propagate


def test_names_stay_readable_and_tokens_do_not():
    """The last-resort token mask must leave what an operator needs to read a failure: exception and event names."""
    import secrets

    from core.logs import scrub

    names = "SMTPServerDisconnected ConnectionRefusedError SMTPRecipientsRefused operator_login_failed"
    assert scrub(f"outbox message 4 not sent: {names}") == f"outbox message 4 not sent: {names}"
    for _ in range(2000):  # invitation tokens, session keys, hashes
        for token in (secrets.token_urlsafe(32), secrets.token_hex(16), secrets.token_hex(32)):
            assert scrub(f"lien {token} fin") == "lien [jeton masqué] fin"
