"""journal.verify as its callers get it: the exact Report, Break (kind, number, id, message) and head document."""

from datetime import UTC, datetime

import pytest

from journal.checkpoints import Checkpoint
from journal.hashing import HASHED_FIELDS, entry_hash
from journal.models import Entry
from journal.verify import Break, Head, Report, current_head, head_document, verify
from tests.journal.test_chain import append, tamper
from tests.journal.test_checkpoints import rewrite_from

ENTRIES = 8


@pytest.fixture
def entries(db):
    return {entry.sequence: entry for entry in append(ENTRIES)}


def head_of(entry) -> Head:
    return Head(entry.sequence, entry.hash, entry.created_at)


def where(entry) -> str:
    return f"entrée n° {entry.sequence} (id {entry.id})"


def checkpoint_of(entry) -> Checkpoint:
    """A checkpoint whose signature the caller has already verified."""
    return Checkpoint(entry.sequence, entry.hash, entry.created_at.isoformat(), "2026-01-02T03:04:05+00:00", "cle")


def rehashed(sequence, prev_hash) -> str:
    row = Entry.objects.filter(sequence=sequence).values(*HASHED_FIELDS).get()
    return entry_hash(row, prev_hash)


# The chain alone


def test_intact_chain_reports_the_count_and_the_head(entries):
    report = verify()
    assert report == Report(ENTRIES, head_of(entries[ENTRIES]), None)
    assert report.anchor is None and report.ok
    assert current_head() == head_of(entries[ENTRIES])


@pytest.mark.django_db
def test_empty_journal_has_no_head():
    assert verify() == Report(0, None, None)
    assert current_head() is None


@pytest.mark.parametrize(
    ("deleted", "missing"),
    [((3,), "n° 3"), ((3, 4), "n° 3 à 4"), ((3, 4, 5), "n° 3 à 5")],
    ids=["one", "two", "three"],
)
def test_sequence_gap(entries, deleted, missing):
    tamper(*(("DELETE FROM journal_entry WHERE sequence = %s", [sequence]) for sequence in deleted))
    after = entries[deleted[-1] + 1]
    assert verify() == Report(
        2, None, Break("sequence_gap", after.sequence, after.id, f"{where(after)} : entrée(s) {missing} manquante(s)")
    )


def test_entry_numbered_before_the_first(entries):
    """Sequence numbers are positive: 0 is the only number that can come before the expected 1."""
    tamper(("UPDATE journal_entry SET sequence = 0 WHERE sequence = 1",))
    first = entries[1]
    assert verify() == Report(
        0, None, Break("reordered", 0, first.id, f"entrée n° 0 (id {first.id}) : numéro d'ordre attendu 1")
    )


def test_swapped_entries(entries):
    tamper(
        ("UPDATE journal_entry SET sequence = 1000 WHERE sequence = 2",),
        ("UPDATE journal_entry SET sequence = 2 WHERE sequence = 3",),
        ("UPDATE journal_entry SET sequence = 3 WHERE sequence = 1000",),
    )
    moved, before = entries[3], entries[2]
    assert verify() == Report(
        1,
        None,
        Break(
            "reordered",
            2,
            moved.id,
            f"entrée n° 2 (id {moved.id}) : écrite après l'entrée n° 3 (id {before.id}), "
            "elle est maintenant classée avant elle",
        ),
    )


def replaced(entries):
    """Entry 3 edited and re-hashed: entry 4 points to a hash that no entry has any more."""
    tamper(("UPDATE journal_entry SET detail = 'falsifié' WHERE sequence = 3",))
    tamper(("UPDATE journal_entry SET hash = %s WHERE sequence = 3", [rehashed(3, entries[2].hash)]))
    return 4, "l'entrée précédente (n° 3) a été modifiée ou remplacée"


def relinked(entries):
    """Entry 3 re-linked to entry 1 and re-hashed: as if entry 2 had been inserted after it."""
    forged = rehashed(3, entries[1].hash)
    tamper(("UPDATE journal_entry SET prev_hash = %s, hash = %s WHERE sequence = 3", [entries[1].hash, forged]))
    return 3, (
        f"écrite juste après l'entrée n° 1 (id {entries[1].id}) : les entrées qui les séparent ont été insérées "
        "après coup"
    )


def relinked_not_rehashed(entries):
    tamper(("UPDATE journal_entry SET prev_hash = %s WHERE sequence = 3", [entries[1].hash]))
    return 3, (
        f"écrite juste après l'entrée n° 1 (id {entries[1].id}) : les entrées qui les séparent ont été insérées "
        "après coup ; l'empreinte du contenu est fausse aussi"
    )


def linked_to_itself(entries):
    """An entry is never its own predecessor."""
    tamper(("UPDATE journal_entry SET prev_hash = hash WHERE sequence = 3",))
    return 3, "l'entrée précédente (n° 2) a été modifiée ou remplacée ; l'empreinte du contenu est fausse aussi"


@pytest.mark.parametrize("tampering", [replaced, relinked, relinked_not_rehashed, linked_to_itself])
def test_prev_hash_mismatch(entries, tampering):
    sequence, detail = tampering(entries)
    row = Entry.objects.get(sequence=sequence)
    previous = Entry.objects.get(sequence=sequence - 1)
    assert verify() == Report(
        sequence - 1,
        None,
        Break(
            "prev_hash_mismatch",
            sequence,
            row.id,
            f"{where(row)} : empreinte précédente {row.prev_hash} ≠ empreinte de l'entrée n° {sequence - 1} "
            f"{previous.hash} ({detail})",
        ),
    )


def test_content_hash_mismatch(entries):
    tamper(("UPDATE journal_entry SET detail = 'falsifié' WHERE sequence = 3",))
    edited = entries[3]
    assert verify() == Report(
        2,
        None,
        Break(
            "content_hash_mismatch",
            3,
            edited.id,
            f"{where(edited)} : le contenu ne correspond plus à son empreinte {edited.hash} (entrée modifiée)",
        ),
    )


class ReadsElsewhere:
    """A router sending reads to a replica (no such database here: reading it fails)."""

    def db_for_read(self, model, **hints):
        return "replica"


def test_verify_reads_the_database_given_not_the_routers(entries, settings):
    """The predecessor's lookup included: a replica lagging behind would report a sound chain as broken."""
    _, detail = relinked(entries)
    settings.DATABASE_ROUTERS = [f"{__name__}.ReadsElsewhere"]
    report = verify(using="default")
    assert (report.checked, report.broken.kind) == (2, "prev_hash_mismatch")
    assert report.broken.message.endswith(f"({detail})")
    assert current_head(using="default") == head_of(entries[ENTRIES])


# From a checkpoint (sequence, hash) kept outside


def test_since_a_checkpoint(entries):
    assert verify(since=(3, entries[3].hash)) == Report(ENTRIES - 2, head_of(entries[ENTRIES]), None)


@pytest.mark.parametrize("deleted", ["sequence = 3", "sequence >= 3"], ids=["entry", "tail"])
def test_checkpoint_missing(entries, deleted):
    tamper((f"DELETE FROM journal_entry WHERE {deleted}",))  # noqa: S608
    assert verify(since=(3, entries[3].hash)) == Report(
        0, None, Break("checkpoint_missing", None, None, "l'entrée n° 3 du point de contrôle n'existe plus")
    )


def test_checkpoint_mismatch(entries):
    entry = entries[3]
    assert verify(since=(3, "b" * 64)) == Report(
        0,
        None,
        Break(
            "checkpoint_mismatch",
            3,
            entry.id,
            f"{where(entry)} : empreinte {entry.hash}, le point de contrôle attend {'b' * 64}",
        ),
    )


# Against signed checkpoints


def test_matching_signed_checkpoints_give_the_anchor(entries):
    signed = [checkpoint_of(entries[4]), checkpoint_of(entries[8])]
    assert verify(signed=signed) == Report(ENTRIES, head_of(entries[ENTRIES]), None, signed[-1])


@pytest.mark.parametrize(
    ("rewritten", "since", "start", "found_at"),
    [(6, None, 5, 8), (2, None, 1, 4), (4, 3, 3, 4)],
    ids=["after-an-anchor", "from-the-genesis", "since-a-checkpoint"],
)
def test_signed_checkpoint_mismatch(entries, rewritten, since, start, found_at):
    """The rewrite lies between the last checkpoint matched (or the start of the walk) and the one not matched."""
    signed = [checkpoint_of(entries[4]), checkpoint_of(entries[8])]
    rewrite_from(rewritten)
    row = Entry.objects.get(sequence=found_at)
    checkpoint = signed[0] if found_at == 4 else signed[1]
    report = verify(since=(since, entries[since].hash) if since else None, signed=signed)
    assert report == Report(
        found_at - (since or 1),
        None,
        Break(
            "signed_checkpoint_mismatch",
            found_at,
            row.id,
            f"{where(row)} : empreinte {row.hash}, le point de contrôle signé du {checkpoint.signed_on} attend "
            f"{checkpoint.hash} : la chaîne a été réécrite puis recalculée entre l'entrée n° {start} et l'entrée "
            f"n° {found_at}",
        ),
    )


def test_emptied_journal(entries):
    latest = checkpoint_of(entries[8])
    tamper(("DELETE FROM journal_entry",))
    assert verify(signed=[checkpoint_of(entries[4]), latest]) == Report(
        0,
        None,
        Break(
            "journal_emptied",
            8,
            None,
            f"le journal est vide alors que le point de contrôle signé du {latest.signed_on} atteste l'entrée n° 8 : "
            "entrées n° 1 à 8 supprimées",
        ),
    )


def test_truncated_journal(entries):
    latest = checkpoint_of(entries[8])
    tamper(("DELETE FROM journal_entry WHERE sequence > 6",))
    assert verify(signed=[checkpoint_of(entries[4]), latest]) == Report(
        6,
        None,
        Break(
            "journal_truncated",
            8,
            None,
            f"le journal s'arrête à l'entrée n° 6 alors que le point de contrôle signé du {latest.signed_on} atteste "
            "l'entrée n° 8 : entrée(s) n° 7 à 8 supprimée(s)",
        ),
    )


# The head kept outside the system


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_head_document(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    head = Head(12, "ab" * 32, datetime(2026, 1, 1, 23, 0, tzinfo=UTC))
    assert head_document(head) == (
        "{\n"
        '  "sequence": 12,\n'
        f'  "hash": "{"ab" * 32}",\n'
        '  "created_at": "2026-01-01T23:00:00+00:00",\n'
        '  "exported_at": "2026-01-02T03:04:05+00:00"\n'
        "}\n"
    )


def test_head_document_of_an_empty_journal(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    assert head_document(None) == (
        '{\n  "sequence": 0,\n  "hash": null,\n  "created_at": null,\n  "exported_at": "2026-01-02T03:04:05+00:00"\n}\n'
    )
