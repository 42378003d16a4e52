"""The only database-specific code of the hash chain: serializing appends, switching the append-only triggers.

- PostgreSQL: `pg_advisory_xact_lock` on one fixed key, held until the end of the transaction that records
  the entry. Concurrent writers wait for each other between reading the head and committing the new entry,
  so they produce one linear chain. (The unique `sequence` is the backstop: a fork fails to commit.) The lock, the
  head, the hash and the INSERT are one statement: the entry's INSERT calls `journal_chain_next` (migration 0017),
  which takes the lock, reads the head and hashes the entry's canonical text prepared by Python around the two
  values it completes. An entry that is the whole change (a consultation) is then appended without BEGIN and COMMIT.
- SQLite: the database has one writer at a time; with `IMMEDIATE` transactions (settings) the write lock is
  taken at BEGIN, before the head is read, then the entry is hashed in Python and inserted. Nothing more to do.
"""

from contextlib import contextmanager

# An arbitrary constant bigint: the key of the advisory lock that serializes journal appends.
APPEND_LOCK_KEY = 0x4A6F75726E616C  # "Journal"

TRIGGER = "journal_entry_append_only"  # row level: UPDATE, DELETE (migration 0002)
TRUNCATE_TRIGGER = "journal_entry_no_truncate"  # statement level: TRUNCATE (migration 0009)


def chained_by_the_database(connection) -> bool:
    """Whether the entry's INSERT completes the chain (`chained_insert`), or Python does (`lock_and_read_head`)."""
    return connection.vendor == "postgresql"


# The columns the database fills, and the outputs of journal_chain_next that fill them, in the same order.
CHAIN_COLUMNS = ("sequence", "prev_hash", "hash")
_CHAIN_VALUES = "(SELECT next_sequence FROM chain), (SELECT prev_hash FROM chain), (SELECT hash FROM chain)"


def chained_insert(connection, table: str, columns: list[str], pk_column: str) -> str:
    """The INSERT of one entry, its CHAIN_COLUMNS computed by journal_chain_next, called once (a CTE; a volatile one
    is evaluated once whatever refers to it). Parameters: the function's four (the lock key, then the canonical
    text's head, middle and tail), then the values of `columns`. It returns the id and CHAIN_COLUMNS. VALUES rather
    than SELECT: each value is typed by its column, None included."""
    quote = connection.ops.quote_name
    named = ", ".join(quote(column) for column in (*columns, *CHAIN_COLUMNS))
    values = ", ".join(["%s"] * len(columns) + [_CHAIN_VALUES])
    returned = ", ".join(quote(column) for column in (pk_column, *CHAIN_COLUMNS))
    # Names from the model and constants only, quoted by the database's own rules: no value is written in the text.
    function = "WITH chain AS (SELECT * FROM journal_chain_next(%s, %s, %s, %s))"
    return f"{function} INSERT INTO {quote(table)} ({named}) VALUES ({values}) RETURNING {returned}"  # noqa: S608  # nosec B608


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
