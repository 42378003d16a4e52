"""PostgreSQL: the journal's next link computed by the database, so that an entry is appended in one statement.

`journal_chain_next(lock_key, head, middle, tail)` takes the append lock (held until the end of the transaction),
then reads the head of the chain and returns the next sequence, the previous hash and the entry's hash: SHA-256 of
head + previous hash + middle + sequence + tail, the entry's canonical text that Python prepared without those two
values (journal/hashing.py, `canonical_parts`). journal/chain.py calls it from the entry's INSERT.

VOLATILE (the default) on purpose: under READ COMMITTED each statement of a volatile function takes a new snapshot,
so the head is read after the lock is held, whatever the calling statement saw when it started. SQLite has no
functions of this kind: the chain is completed in Python there (its writer lock is taken at BEGIN).
Written here, not imported: a migration uses no application code (frozen).
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION journal_chain_next(lock_key bigint, head text, middle text, tail text,
    OUT next_sequence bigint, OUT prev_hash text, OUT hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.sequence + 1, e.hash INTO next_sequence, prev_hash
        FROM journal_entry e ORDER BY e.sequence DESC LIMIT 1;
    IF NOT FOUND THEN
        next_sequence := 1;
        prev_hash := repeat('0', 64);
    END IF;
    hash := encode(sha256(convert_to(head || prev_hash || middle || next_sequence::text || tail, 'UTF8')), 'hex');
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS journal_chain_next(bigint, text, text, text);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0016_delegated_views_index")]
    operations = [migrations.RunPython(forwards, backwards)]
