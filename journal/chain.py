"""The only database-specific code of the hash chain: serializing appends, switching the append-only triggers.

- PostgreSQL: `pg_advisory_xact_lock` on one fixed key, held until the end of the transaction that records
  the entry. Concurrent writers wait for each other between reading the head and committing the new entry,
  so they produce one linear chain. (The unique `sequence` is the backstop: a fork fails to commit.)
- SQLite: the database has one writer at a time; with `IMMEDIATE` transactions (settings) the write lock is
  taken at BEGIN, before the head is read. Nothing more to do.
"""

from contextlib import contextmanager

# An arbitrary constant bigint: the key of the advisory lock that serializes journal appends.
APPEND_LOCK_KEY = 0x4A6F75726E616C  # "Journal"

TRIGGER = "journal_entry_append_only"  # row level: UPDATE, DELETE (migration 0002)
TRUNCATE_TRIGGER = "journal_entry_no_truncate"  # statement level: TRUNCATE (migration 0009)


def lock_and_read_head(connection) -> tuple[int, str] | None:
    """Take the append lock, then read the head: (sequence, hash) of the last entry, None if the journal is empty.

    Call it inside the transaction that will insert the entry. Two statements on purpose: under READ COMMITTED
    each statement sees what was committed when it started, so the head must be read after the lock is held.
    (Plain SQL rather than the ORM: this runs once per journaled action.) Two round trips too: sent as one text,
    they would go by the simple query protocol, never prepared, parsed and planned on every append, which cost more
    CPU than the round trip saved (docs/performance.md).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])
        cursor.execute("SELECT sequence, hash FROM journal_entry ORDER BY sequence DESC LIMIT 1")
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


@contextmanager
def append_only_trigger_disabled(connection):
    """Let UPDATE, DELETE and TRUNCATE through on PostgreSQL for the enclosed statements (back-fill, tamper tests).

    Use it inside a transaction: ALTER TABLE is transactional, a rollback re-enables the triggers too. Only the
    table's owner may do this: the application's own role cannot (README, « Production »).
    USER: the journal's own triggers, whichever exist at this point of the migrations; not the foreign keys'.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses a table with pending (deferred) foreign key checks: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE journal_entry DISABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE journal_entry ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
