"""On PostgreSQL an entry is chained by its own INSERT (journal/chain.py, migration 0017): the database takes the
append lock, reads the head and hashes the canonical text Python prepared around the two values it completes. The
hash it computes is the one verify_journal recomputes in Python, whatever the entry holds; concurrent appends outside
any transaction still make one linear chain; and a consultation costs one statement."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from journal.hashing import HASHED_FIELDS, canonical, canonical_parts
from journal.models import Action, ActorRole, Entry
from journal.services import record
from tests.journal.writers import append_concurrently

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the database chains on PostgreSQL")

# Every character but NUL (which no text column stores) and the lone surrogates (which are not text).
text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)


@given(
    name=text,
    detail=text,
    changes=st.lists(st.dictionaries(text, st.one_of(text, st.integers(), st.booleans(), st.none()), max_size=3)),
    sequence=st.integers(min_value=1, max_value=10**12),
    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
)
def test_the_three_parts_and_the_two_values_make_the_canonical_text(name, detail, changes, sequence, prev_hash):
    fields = dict.fromkeys(HASHED_FIELDS, "")
    fields |= {"created_at": datetime(2026, 12, 4, 12, 0, 0, 7, tzinfo=UTC), "actor_id": None, "is_delegated": True}
    fields |= {"actor_name": name, "detail": detail, "changes": changes, "sequence": sequence}
    head, middle, tail = canonical_parts(fields)
    assert (head + prev_hash + middle + str(sequence) + tail).encode() == canonical(fields, prev_hash)


def _verified() -> str:
    out = io.StringIO()
    call_command("verify_journal", stdout=out)
    return out.getvalue()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_consultation_outside_any_transaction_is_one_statement_hashed_as_python_hashes_it():
    record(action=Action.LOGIN, actor_user=None, actor_name="Première", actor_role=ActorRole.DOCTOR)
    with CaptureQueriesContext(connection) as appended:
        entry = record(
            action=Action.DOSSIER_VIEWED,
            actor_user=None,
            actor_name='Zoé « l\'Aînée » "\\" \t\n\x01\x7f 😀 </b>',
            actor_role=ActorRole.ASSISTANT,
            changes=[{"b": 1, "a": "é\u2028"}, ["x", None, True, 1.5]],
            detail="Ligne 1\r\nLigne 2",
        )
    assert [query["sql"][:10] for query in appended.captured_queries] == ["WITH chain"]
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.sequence, stored.prev_hash, stored.hash) == (2, Entry.objects.get(sequence=1).hash, entry.hash)
    assert "Journal intègre : 2 entrée(s) vérifiée(s)" in _verified()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_entry_goes_with_it():
    with transaction.atomic():
        record(action=Action.LOGIN, actor_user=None, actor_name="Gardée", actor_role=ActorRole.DOCTOR)
    with transaction.atomic():
        record(action=Action.LOGIN, actor_user=None, actor_name="Annulée", actor_role=ActorRole.DOCTOR)
        transaction.set_rollback(True)
    after = record(action=Action.LOGIN, actor_user=None, actor_name="Suivante", actor_role=ActorRole.DOCTOR)
    assert list(Entry.objects.order_by("sequence").values_list("actor_name", "sequence")) == [
        ("Gardée", 1),
        ("Suivante", 2),
    ]
    assert after.sequence == 2
    assert "Journal intègre : 2 entrée(s) vérifiée(s)" in _verified()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_outside_any_transaction_produce_one_linear_chain():
    """Each append is its own statement: the head must be read after the lock is held, inside it."""
    total = append_concurrently(
        lambda name: record(action=Action.DOSSIER_VIEWED, actor_user=None, actor_name=name, actor_role="")
    )
    assert f"Journal intègre : {total} entrée(s) vérifiée(s)" in _verified()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_with_autocommit_turned_off_the_entry_waits_for_the_callers_commit():
    transaction.set_autocommit(False)
    try:
        entry = record(action=Action.LOGIN, actor_user=None, actor_name="Manuelle", actor_role=ActorRole.DOCTOR)
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)
    assert entry.sequence == 1 and not Entry.objects.exists()
