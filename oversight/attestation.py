"""« Attestation (PDF) »: the filtered list signed by nothing but the journal's own hash chain, and its check.

The PDF shows each entry with its sequence number and hash, the journal's head and the latest signed checkpoint;
it embeds the entries' hashed fields as an attached JSON file (ATTACHMENT). `verify_attestation` reads that file
back and compares every entry with the journal: the stored row must hash to the attested hash (an entry edited in
the database, its hash left alone or not, differs), and the attested fields must hash to it too (a file edited).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from journal.hashing import HASHED_FIELDS, entry_hash, fields_of
from journal.models import Entry

FORMAT = "attestation-actions-1"
ATTACHMENT = "attestation.json"
# A PDF is drawn in the request (WeasyPrint: seconds per few hundred rows): past this many entries, the doctor
# narrows the period or the filters; the CSV has no such limit.
MAX_ENTRIES = 500


def entry_document(entry: Entry) -> dict[str, Any]:
    fields = fields_of(entry)
    fields["created_at"] = entry.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return {**fields, "prev_hash": entry.prev_hash, "hash": entry.hash}


def document(*, doctor: Any, filters: list[str], entries: list[Entry], head: Any, checkpoint: Any) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "doctor": {"name": doctor.display_name, "national_id": doctor.national_id},
        "filters": filters,
        "journal_head": {"sequence": head.sequence, "hash": head.hash} if head else None,
        "signed_checkpoint": (
            {
                "sequence": checkpoint.sequence,
                "hash": checkpoint.hash,
                "signed_at": checkpoint.signed_at,
                "key_id": checkpoint.key_id,
            }
            if checkpoint
            else None
        ),
        "entries": [entry_document(entry) for entry in entries],
    }


@dataclass(frozen=True)
class Result:
    checked: int
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _attested_hash(attested: dict[str, Any]) -> str:
    fields = {name: attested[name] for name in HASHED_FIELDS}
    fields["created_at"] = datetime.datetime.fromisoformat(fields["created_at"])
    return entry_hash(fields, attested["prev_hash"])


def verify(attestation: dict[str, Any]) -> Result:
    """Every attested entry, in order, still in the journal unchanged; else the first one that differs, and why."""
    if attestation.get("format") != FORMAT:
        return Result(0, "Ce fichier n'est pas une attestation des actions faites au nom d'un médecin.")
    checked = 0
    for attested in attestation.get("entries", []):
        try:
            sequence = int(attested["sequence"])
            if _attested_hash(attested) != attested["hash"]:
                return Result(checked, f"Entrée n° {sequence} : l'attestation elle-même a été modifiée.")
        except (KeyError, TypeError, ValueError):
            return Result(checked, f"Entrée {checked + 1} de l'attestation illisible : le fichier a été modifié.")
        row = Entry.objects.filter(sequence=sequence).first()
        if row is None:
            return Result(checked, f"Entrée n° {sequence} : absente du journal.")
        if row.hash != attested["hash"] or entry_hash(fields_of(row), row.prev_hash) != attested["hash"]:
            return Result(
                checked,
                f"Entrée n° {sequence} ({attested['action_label']} du {attested['created_at'][:10]}) : "
                "différente dans le journal, elle a été modifiée depuis l'attestation.",
            )
        checked += 1
    return Result(checked)
