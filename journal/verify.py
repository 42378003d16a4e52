"""Walking the hash chain: the first broken link, or the number of entries checked and the head.

Streams the entries in sequence order (`iterator()`, memory flat whatever the size of the journal), and compares
them with the signed checkpoints given (journal/checkpoints.py) on the way: no extra query.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .checkpoints import Checkpoint
from .hashing import GENESIS_HASH, HASHED_FIELDS, entry_hash
from .models import Entry

CHUNK = 2000


@dataclass(frozen=True)
class Head:
    sequence: int
    hash: str
    created_at: datetime

    def as_json(self) -> dict:
        return {"sequence": self.sequence, "hash": self.hash, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Break:
    # sequence_gap, reordered, content_hash_mismatch, prev_hash_mismatch, checkpoint_missing, checkpoint_mismatch;
    # against a signed checkpoint: signed_checkpoint_mismatch, journal_truncated, journal_emptied
    kind: str
    sequence: int | None
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class Report:
    checked: int
    head: Head | None
    broken: Break | None
    # The most recent signed checkpoint the chain matches (None without any).
    anchor: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def current_head(using: str = "default") -> Head | None:
    row = Entry.objects.using(using).order_by("-sequence").values("sequence", "hash", "created_at").first()
    return Head(**row) if row else None


def head_document(head: Head | None) -> str:
    """The head as the operator keeps it outside the system (JSON text)."""
    data = head.as_json() if head else {"sequence": 0, "hash": None, "created_at": None}
    data["exported_at"] = timezone.now().isoformat()
    return json.dumps(data, indent=2) + "\n"


def verify(
    *, since: tuple[int, str] | None = None, signed: Sequence[Checkpoint] = (), using: str = "default"
) -> Report:
    """Check every link from the genesis, or from a checkpoint (sequence, hash) recorded earlier.

    `signed`: checkpoints whose signature was verified. Each one in the range read must match the entry at its
    sequence, and the journal must reach the highest one: a chain rewritten and re-hashed, cut at its end or
    emptied is reported with the checkpoint's number.
    """
    rows = Entry.objects.using(using).order_by("sequence").values("id", "prev_hash", "hash", *HASHED_FIELDS)
    if since is None:
        expected_sequence, expected_prev = 1, GENESIS_HASH
    else:
        expected_sequence, expected_prev = since[0], None  # the checkpoint's own predecessor is not checked
        rows = rows.filter(sequence__gte=since[0])
    checked, last = 0, None
    expected_hashes: dict[int, list] = {}
    for checkpoint in signed:
        expected_hashes.setdefault(checkpoint.sequence, []).append(checkpoint)
    anchor = None

    def broken(kind, row, message):
        return Report(checked, None, Break(kind, row["sequence"] if row else None, row["id"] if row else None, message))

    for row in rows.iterator(chunk_size=CHUNK):
        sequence = row["sequence"]
        where = f"entrée n° {sequence} (id {row['id']})"
        if since is not None and checked == 0:
            if sequence != since[0]:
                return broken("checkpoint_missing", None, f"l'entrée n° {since[0]} du point de contrôle n'existe plus")
            if row["hash"] != since[1]:
                return broken(
                    "checkpoint_mismatch",
                    row,
                    f"{where} : empreinte {row['hash']}, le point de contrôle attend {since[1]}",
                )
        if sequence != expected_sequence:
            if sequence > expected_sequence:
                missing = f"n° {expected_sequence}" + (f" à {sequence - 1}" if sequence - 1 > expected_sequence else "")
                return broken("sequence_gap", row, f"{where} : entrée(s) {missing} manquante(s)")
            return broken("reordered", row, f"{where} : numéro d'ordre attendu {expected_sequence}")
        content_ok = entry_hash(row, row["prev_hash"]) == row["hash"]
        if expected_prev is not None and row["prev_hash"] != expected_prev:
            predecessor = (
                Entry.objects.using(using).filter(hash=row["prev_hash"]).exclude(pk=row["id"]).values("id", "sequence")
            ).first()
            if predecessor and predecessor["sequence"] > sequence:
                return broken(
                    "reordered",
                    row,
                    f"{where} : écrite après l'entrée n° {predecessor['sequence']} (id {predecessor['id']}), "
                    f"elle est maintenant classée avant elle",
                )
            if predecessor:
                detail = (
                    f"écrite juste après l'entrée n° {predecessor['sequence']} (id {predecessor['id']}) : "
                    f"les entrées qui les séparent ont été insérées après coup"
                )
            else:
                detail = f"l'entrée précédente (n° {sequence - 1}) a été modifiée ou remplacée"
            if not content_ok:
                detail += " ; l'empreinte du contenu est fausse aussi"
            return broken(
                "prev_hash_mismatch",
                row,
                f"{where} : empreinte précédente {row['prev_hash']} ≠ empreinte de l'entrée n° {sequence - 1} "
                f"{expected_prev} ({detail})",
            )
        if not content_ok:
            return broken(
                "content_hash_mismatch",
                row,
                f"{where} : le contenu ne correspond plus à son empreinte {row['hash']} (entrée modifiée)",
            )
        for checkpoint in expected_hashes.get(sequence, ()):
            if row["hash"] != checkpoint.hash:
                start = anchor.sequence + 1 if anchor else since[0] if since else 1
                return broken(
                    "signed_checkpoint_mismatch",
                    row,
                    f"{where} : empreinte {row['hash']}, le point de contrôle signé du {checkpoint.signed_on} "
                    f"attend {checkpoint.hash} : la chaîne a été réécrite puis recalculée entre l'entrée "
                    f"n° {start} et l'entrée n° {sequence}",
                )
            anchor = checkpoint
        checked += 1
        expected_sequence, expected_prev, last = sequence + 1, row["hash"], row
    if since is not None and checked == 0:
        return broken("checkpoint_missing", None, f"l'entrée n° {since[0]} du point de contrôle n'existe plus")
    head = Head(last["sequence"], last["hash"], last["created_at"]) if last else None
    latest = max(signed, key=lambda checkpoint: checkpoint.order, default=None)
    if latest and head is None:
        return Report(
            0,
            None,
            Break(
                "journal_emptied",
                latest.sequence,
                None,
                f"le journal est vide alors que le point de contrôle signé du {latest.signed_on} atteste "
                f"l'entrée n° {latest.sequence} : entrées n° 1 à {latest.sequence} supprimées",
            ),
        )
    if latest and head.sequence < latest.sequence:  # type: ignore[union-attr]
        return Report(
            checked,
            None,
            Break(
                "journal_truncated",
                latest.sequence,
                None,
                f"le journal s'arrête à l'entrée n° {head.sequence} alors que le point de contrôle signé du "  # type: ignore[union-attr]
                f"{latest.signed_on} atteste l'entrée n° {latest.sequence} : entrée(s) n° {head.sequence + 1} "  # type: ignore[union-attr]
                f"à {latest.sequence} supprimée(s)",
            ),
        )
    return Report(checked, head, None, anchor)
