"""`export_audit`: the journal as FHIR NDJSON, by period and doctor, read in keyset batches."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.provenance import Provenance

from interop.export import write_ndjson
from interop.selectors import entries_between
from journal.models import Action

MODELS = {"AuditEvent": AuditEvent, "Provenance": Provenance}


def export(tmp_path, *args):
    output = tmp_path / "audit.ndjson"
    out = io.StringIO()
    call_command("export_audit", *args, "--format", "fhir-ndjson", "--output", str(output), stdout=out)
    lines = output.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines], out.getvalue()


def today():
    return timezone.localdate().isoformat()


def test_the_whole_journal_as_valid_ndjson(full_journal, tmp_path):
    resources, message = export(tmp_path, "--since", today())
    assert len([r for r in resources if r["resourceType"] == "AuditEvent"]) == full_journal.count()
    for resource in resources:
        MODELS[resource["resourceType"]].model_validate(resource)
    # In the chain's order, each Provenance right after its AuditEvent.
    sequences = [int(r["id"].split("-")[1]) for r in resources if r["resourceType"] == "AuditEvent"]
    assert sequences == sorted(sequences)
    written = f"{len(resources)} ressource(s) FHIR écrites dans {tmp_path / 'audit.ndjson'}.\n"
    assert message == f"{full_journal.count()} entrée(s) du journal, {written}"
    assert not list(tmp_path.glob(".*"))  # no partial file left


def test_dates_bound_the_export(people, tmp_path):
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: ten_days_ago)  # the journal dates its entries itself
        old = people.write(Action.LOGIN, people.actors()[0][1], False)
    new = people.write(Action.LOGOUT, people.actors()[0][1], False)
    resources, _ = export(tmp_path, "--since", today(), "--until", today())
    assert [r["id"] for r in resources] == [f"journal-{new.sequence}"]
    old_day = timezone.localtime(ten_days_ago).date().isoformat()
    resources, _ = export(tmp_path, "--since", old_day, "--until", old_day)
    assert [r["id"] for r in resources] == [f"journal-{old.sequence}"]
    assert len(export(tmp_path, "--since", old_day)[0]) == 2
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert export(tmp_path, "--since", tomorrow)[0] == []
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert export(tmp_path, "--since", yesterday, "--until", yesterday)[0] == []


def test_the_doctor_filter_keeps_his_actions_and_those_in_his_name(people, tmp_path):
    mine = people.write(Action.LOGIN, people.actors()[0][1], False)
    for_me = people.write(Action.MEDICAL_UPDATED, people.actors()[1][1], True)
    people.write(Action.LOGIN, people.actors()[2][1], False)  # the colleague for himself
    people.write(Action.LOGIN, people.actors()[3][1], False)  # the assistant for herself
    resources, _ = export(tmp_path, "--since", today(), "--doctor", people.doctor.professional.identifier)
    assert [r["id"] for r in resources] == [
        f"journal-{mine.sequence}",
        f"journal-{for_me.sequence}",
        f"journal-{for_me.sequence}-provenance",
    ]


def test_batches_read_every_entry_once_at_a_constant_number_of_queries(full_journal):
    count = full_journal.count()
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        entries, _ = write_ndjson(entries_between(), out, batch_size=7)
    assert entries == count
    assert len(queries) == count // 7 + 1  # one query a batch, none per entry
    ids = [json.loads(line)["id"] for line in out.getvalue().splitlines()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "31/01/2026"], "Date « 31/01/2026 » illisible : écrivez-la AAAA-MM-JJ"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "La date de fin (--until) précède la date de début"),
        (["--since", "2026-02-01", "--doctor", "123"], "RPPS « 123 » invalide : il compte 11 chiffres."),
    ],
)
def test_french_errors_that_say_what_to_do(db, tmp_path, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("export_audit", *args, "--format", "fhir-ndjson", "--output", str(tmp_path / "a.ndjson"))
    assert not (tmp_path / "a.ndjson").exists()


def test_a_missing_directory_is_said(db, tmp_path):
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command(
            "export_audit", "--since", today(), "--format", "fhir-ndjson", "--output", str(tmp_path / "x" / "a")
        )
