"""What the doctor takes away: the CSV (a French spreadsheet opens it as is), journaled."""

import csv
import io

from journal.models import Action, Entry
from tests.conftest import login_client

from .conftest import last_entry
from .test_actions import story  # noqa: F401  # the fixture

CSV_URL = "/actions-en-mon-nom/export.csv"


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_of_the_filtered_list_is_journaled(story):  # noqa: F811
    client = login_client(story["martin"])
    response = client.get(CSV_URL, {"filtrer": "1", "delegue": story["sophie"].holder.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv(response)
    assert [row["Action"] for row in rows] == [
        "Modification du volet médical",
        "Modification du volet médical",
        "Consultation du dossier",
    ]
    first = rows[-1]
    assert first["Phrase du journal"] == (
        "L'assistant(e) Sophie BERNARD a fait l'action « Consultation du dossier » au nom du médecin Jean MARTIN"
    )
    assert first["Date et heure"][2] == "/" and first["Date et heure"][5] == "/" and len(first["Date et heure"]) == 16
    assert (
        "GIR : non renseigné → GIR 3" in rows[1]["Changements"]
        or "GIR : non renseigné → GIR 3" in rows[0]["Changements"]
    )
    entry = last_entry()
    assert entry.action == Action.HISTORY_EXPORTED and entry.action_label == "Export de l'historique"
    assert entry.actor_id == story["martin"].holder.pk and "Délégué : Sophie BERNARD" in entry.detail
    assert entry.on_behalf_of_id == story["martin"].holder.professional.pk and not entry.is_delegated


def test_a_delegate_exports_nothing(story):  # noqa: F811
    before = Entry.objects.count()
    response = login_client(story["sophie"], acting_for=story["martin"]).get(CSV_URL)
    assert response.status_code == 404
    assert Entry.objects.count() == before


FHIR_URL = "/actions-en-mon-nom/export.fhir.json"


def test_fhir_bundle_of_the_filtered_list_says_who_acted_for_whom(story):  # noqa: F811
    from fhir.resources.R4B.bundle import Bundle

    client = login_client(story["martin"])
    response = client.get(FHIR_URL, {"filtrer": "1", "delegue": story["sophie"].holder.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    document = response.json()
    Bundle.model_validate(document)  # an independent library reads it as FHIR
    assert document["type"] == "collection"
    events = [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "AuditEvent"]
    assert len(events) == 3  # the three entries of the filtered list, as in the CSV
    for event in events:
        requestors = [agent for agent in event["agent"] if agent["requestor"]]
        assert [agent["who"]["display"] for agent in requestors] == ["Sophie BERNARD"]
        assert "Jean MARTIN" in [agent["who"]["display"] for agent in event["agent"] if not agent["requestor"]]
    provenances = [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Provenance"]
    assert provenances and all(p["agent"][0]["onBehalfOf"]["display"] == "Jean MARTIN" for p in provenances)
    entry = last_entry()
    assert entry.action == Action.HISTORY_EXPORTED and entry.detail.startswith("FHIR")


def test_a_delegate_gets_no_fhir_export(story):  # noqa: F811
    before = Entry.objects.count()
    assert login_client(story["sophie"], acting_for=story["martin"]).get(FHIR_URL).status_code == 404
    assert Entry.objects.count() == before
