"""The filtered list as a file the doctor takes away: CSV for a French spreadsheet (the PDF attestation apart)."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from dossiers.changes import change_lines
from journal.models import Entry

CSV_HEADERS = [
    "Date et heure",
    "Action",
    "Auteur",
    "Rôle",
    "Au nom de",
    "Phrase du journal",
    "Patient",
    "Dossier",
    "Carte",
    "Changements",
    "Détail",
    "Numéro d'ordre",
    "Empreinte",
]
CHUNK = 2000


def local_time(entry: Entry) -> str:
    """JJ/MM/AAAA HH:MM in Europe/Paris, as a French spreadsheet reads it."""
    return timezone.localtime(entry.created_at).strftime("%d/%m/%Y %H:%M")


def csv_row(entry: Entry) -> list[Any]:
    dossier = entry.dossier
    return [
        local_time(entry),
        entry.action_label,
        entry.actor_name,
        entry.get_actor_role_display(),
        entry.on_behalf_name,
        entry.sentence,
        dossier.patient.display_name if dossier else "",
        dossier.number if dossier else "",
        entry.card_type,
        "\n".join(change_lines(entry.changes)),
        entry.detail,
        entry.sequence,
        entry.hash,
    ]


class _Echo:
    """csv.writer writes into it; the line is handed to the streaming response at once."""

    def write(self, value: str) -> str:
        return value


def csv_lines(entries: Iterable[Entry]) -> Iterator[str]:
    """UTF-8 with a BOM (so that a spreadsheet detects it), `;` between fields (the French list separator)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(CSV_HEADERS)
    for entry in entries:
        yield writer.writerow(csv_row(entry))
