"""HISTORIQUE DES ACTIONS as a reader goes through it: consecutive consultations by the same person make one row
(« 3 consultations par Sophie BERNARD, du … au … », each one behind « Voir le détail »), changes made readable."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from journal.models import SENTENCE_COLUMNS, Action, sentence_of

from .changes import readable_changes

# What a row shows of an entry (and what tells one reader from another), read as values (journal.selectors
# .dossier_history's `columns`): not the chain's hashes, nor a model instance per entry.
HISTORY_COLUMNS = (*SENTENCE_COLUMNS, "created_at", "action", "card_type", "on_behalf_of_id", "changes")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One entry of the history, from its row of HISTORY_COLUMNS."""

    created_at: datetime.datetime
    action: str
    actor_id: int | None
    actor_name: str
    card_type: str
    on_behalf_of_id: int | None
    sentence: str
    changes: list[dict[str, Any]]

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> "HistoryEntry":
        who = dict(zip(SENTENCE_COLUMNS, row, strict=False))
        created_at, action, card_type, on_behalf_of_id, changes = row[len(SENTENCE_COLUMNS) :]
        said = sentence_of(row)
        return cls(created_at, action, who["actor_id"], who["actor_name"], card_type, on_behalf_of_id, said, changes)


@dataclass
class HistoryRow:
    entry: HistoryEntry  # the most recent of the row
    changes: list[dict[str, str]]
    views: list[HistoryEntry] = field(default_factory=list)  # consultations gathered in this row, newest first

    @property
    def collapsed(self) -> bool:
        return len(self.views) > 1

    @property
    def oldest(self) -> HistoryEntry:
        return self.views[-1] if self.views else self.entry

    @property
    def summary(self) -> str:
        return f"{len(self.views)} consultations par {self.entry.actor_name}"


def _same_reader(row: HistoryRow | None, entry: HistoryEntry) -> bool:
    return (
        row is not None
        and bool(row.views)
        and row.entry.actor_id == entry.actor_id
        and row.entry.actor_name == entry.actor_name
        and row.entry.on_behalf_of_id == entry.on_behalf_of_id
        and row.entry.card_type == entry.card_type
    )


def history_rows(values: Iterable[tuple[Any, ...]]) -> list[HistoryRow]:
    """The rows of entries read with HISTORY_COLUMNS."""
    rows: list[HistoryRow] = []
    for entry in map(HistoryEntry.of, values):
        viewed = entry.action == Action.DOSSIER_VIEWED
        last: Any = rows[-1] if rows else None
        if viewed and _same_reader(last, entry):
            last.views.append(entry)
            continue
        rows.append(HistoryRow(entry=entry, changes=readable_changes(entry.changes), views=[entry] if viewed else []))
    return rows
