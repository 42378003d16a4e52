"""HISTORIQUE DES ACTIONS as a reader goes through it: consecutive consultations by the same person make one row
(« 3 consultations par Sophie BERNARD, du … au … », each one behind « Voir le détail »), changes made readable."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from journal.models import Action, Entry

from .changes import readable_changes


@dataclass
class HistoryRow:
    entry: Entry  # the most recent of the row
    changes: list[dict[str, str]]
    views: list[Entry] = field(default_factory=list)  # consultations gathered in this row, newest first

    @property
    def collapsed(self) -> bool:
        return len(self.views) > 1

    @property
    def oldest(self) -> Entry:
        return self.views[-1] if self.views else self.entry

    @property
    def summary(self) -> str:
        return f"{len(self.views)} consultations par {self.entry.actor_name}"


def _same_reader(row: HistoryRow | None, entry: Entry) -> bool:
    return (
        row is not None
        and bool(row.views)
        and row.entry.actor_id == entry.actor_id
        and row.entry.actor_name == entry.actor_name
        and row.entry.on_behalf_of_id == entry.on_behalf_of_id
        and row.entry.card_type == entry.card_type
    )


def history_rows(entries: Iterable[Entry]) -> list[HistoryRow]:
    rows: list[HistoryRow] = []
    for entry in entries:
        viewed = entry.action == Action.DOSSIER_VIEWED
        last: Any = rows[-1] if rows else None
        if viewed and _same_reader(last, entry):
            last.views.append(entry)
            continue
        rows.append(HistoryRow(entry=entry, changes=readable_changes(entry.changes), views=[entry] if viewed else []))
    return rows
