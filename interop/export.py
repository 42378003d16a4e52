"""Ways out of the journal in FHIR: NDJSON for an operator's SIEM or archive (`export_audit`), a Bundle for a doctor.

Entries are read in keyset batches on the journal's sequence (`WHERE sequence > last ORDER BY sequence LIMIT n`):
memory stays that of one batch whatever the size of the journal, and each batch is one indexed range read,
unlike OFFSET paging, which reads every skipped row again.
"""

import datetime
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from journal.models import Entry

from .fhir import loaded, system, to_resources

BATCH_SIZE = 2000


def in_batches(entries: QuerySet[Entry], *, batch_size: int = BATCH_SIZE) -> Iterator[Entry]:
    """Every entry of `entries`, in the chain's order, `batch_size` at a time, with what the mapping reads."""
    last = 0
    selected = loaded(entries).order_by("sequence")
    while True:
        batch = list(selected.filter(sequence__gt=last)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last = batch[-1].sequence


def write_ndjson(entries: QuerySet[Entry], out: IO[str], *, batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """FHIR Bulk Data NDJSON: one resource a line, written as read. Returns (entries, resources)."""
    count = resources = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for entry in in_batches(entries, batch_size=batch_size):
        count += 1
        for resource in to_resources(entry):
            out.write(dumps(resource))
            out.write("\n")
            resources += 1
    return count, resources


def bundle(entries: Iterable[Entry]) -> dict[str, Any]:
    """A Bundle of type `collection` of the entries' AuditEvents and Provenances, in the order given, validated by
    fhir.resources (R4B models, whose AuditEvent and Provenance are R4's): for the doctor's « FHIR (JSON) » export
    of a filtered list (a page's worth, not the whole journal). A queryset is loaded with what the mapping reads
    (`fhir.loaded`); other iterables should come from one already."""
    from fhir.resources.R4B.bundle import Bundle  # imported on use: the models take time to load

    if isinstance(entries, QuerySet):
        entries = loaded(entries)
    resources = [resource for entry in entries for resource in to_resources(entry)]
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().astimezone(datetime.UTC).isoformat(),
        "entry": [
            {"fullUrl": f"{system('')}{resource['resourceType']}/{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }
    Bundle.model_validate(document)
    return document
