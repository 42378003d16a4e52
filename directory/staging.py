"""The only database-specific code of the import: loading the staging table, fast, on each database.

The import streams the file into a temporary table (COPY on PostgreSQL, large executemany batches on SQLite),
then merges it into the directory with portable set-based SQL (see importer.py). Temporary tables are private to
the connection and never logged, so the staging costs no WAL; they are dropped at the end (see session()).
"""

from contextlib import contextmanager

from django.db import connection, transaction

LINE_TABLE = "directory_stage_line"
PERSON_TABLE = "directory_stage_person"
ABSENT_TABLE = "directory_stage_absent"
TODO_TABLE = "directory_stage_todo"  # SQLite: the people to write, in batches of their rank (rowid)


@contextmanager
def session():
    """The import's staging (reading the file, grouping its lines), in which importer._merge writes to the
    directory.

    PostgreSQL: the whole import in one transaction, as its readers and writers never wait for it (MVCC, and the
    import locks only the directory's rows it writes). SQLite allows one writer at a time, and a transaction
    holds that lock until it ends: users' writes (journal, sessions) would wait for the whole import and fail
    past their busy timeout. The staging tables are TEMPORARY, that is in SQLite's separate temp database,
    whose writes lock nothing in the main one: the staging runs outside any transaction, and only the short
    transactions of the final writes take the lock (see short_transactions()). Either way a failure or an
    interruption while reading changes nothing in the directory."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            yield
            drop_tables()  # on failure the rollback drops them (DDL is transactional)
    else:
        try:
            yield
        finally:
            drop_tables()


def short_transactions() -> bool:
    """Whether the writes to the directory go in short transactions (SQLite, importer._write_in_batches) rather
    than one (PostgreSQL, where an import's transaction blocks nobody)."""
    return connection.vendor != "postgresql"


def create_line_table(columns: list[tuple[str, str]]) -> None:
    drop_tables()
    # On SQLite an INTEGER PRIMARY KEY is the rowid: free, and lines arrive in that order.
    key = "integer PRIMARY KEY" if connection.vendor == "sqlite" else "integer NOT NULL"
    definition = ", ".join([f"line_no {key}", *(f"{name} {sql_type}" for name, sql_type in columns)])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {LINE_TABLE} ({definition})")


def drop_tables() -> None:
    with connection.cursor() as cursor:
        for table in (TODO_TABLE, ABSENT_TABLE, PERSON_TABLE, LINE_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


class _PostgresWriter:
    def __init__(self, names):
        self.names = names

    def __enter__(self):
        self._cursor = connection.cursor()
        raw = self._cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        # COPY's text format with "|" between values: no value holds one (see write_block).
        self._copy_cm = raw.copy(f"COPY {LINE_TABLE} (line_no, {', '.join(self.names)}) FROM STDIN (DELIMITER '|')")
        self._copy = self._copy_cm.__enter__()
        return self

    def write_block(self, text: str) -> None:
        if not text:
            return
        if "\\" in text or "\r" in text:
            # The only characters of a value that COPY's text format reads otherwise ("\n" and "|" cannot be in one).
            text = text.replace("\\", "\\\\").replace("\r", "\\r")
        self._copy.write(text + "\n")

    def __exit__(self, *exc):
        try:
            return self._copy_cm.__exit__(*exc)
        finally:
            self._cursor.close()


class _SqliteWriter:
    def __init__(self, names):
        placeholders = ", ".join(["?"] * (len(names) + 1))
        self.sql = f"INSERT INTO {LINE_TABLE} (line_no, {', '.join(names)}) VALUES ({placeholders})"  # noqa: S608

    def __enter__(self):
        connection.ensure_connection()
        self._raw = connection.connection  # the sqlite3 connection: no per-row parameter rewriting
        # One transaction for the whole table rather than one per block. DEFERRED, unlike Django's (IMMEDIATE):
        # it writes only to the temp database, so it takes no lock on the main one (see session()).
        self._own = connection.get_autocommit()
        if self._own:
            self._raw.execute("BEGIN DEFERRED")
        return self

    def write_block(self, text: str) -> None:
        if text:
            # Numbers arrive as text: the columns' integer affinity stores them as integers.
            self._raw.executemany(self.sql, [row.split("|") for row in text.split("\n")])

    def __exit__(self, exc_type, *exc):
        if self._own and self._raw.in_transaction:
            self._raw.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def line_writer(names: list[str]):
    """Context manager whose `write_block(text)` appends rows to the staging table: one row per line of `text`,
    line_no then the values of `names`, separated by "|" (so no value may hold "|" nor a line end)."""
    return _PostgresWriter(names) if connection.vendor == "postgresql" else _SqliteWriter(names)


def analyze(*tables: str, temporary=True) -> None:
    """Fresh planner statistics. PostgreSQL never auto-analyzes temporary tables; SQLite's planner does well
    without on the staging tables, but needs them on the directory to choose between the search indexes."""
    if temporary and connection.vendor != "postgresql":
        return
    # After a committed import on PostgreSQL, VACUUM too: it sets the visibility map, without which index-only
    # scans of the search read the table anyway (autovacuum would do it, but later). Not possible in a transaction.
    command = "ANALYZE"
    if not temporary and connection.vendor == "postgresql" and not connection.in_atomic_block:
        command = "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 2000")  # a sample: seconds, not minutes
        for table in tables:
            cursor.execute(f"{command} {table}")


def first_lines(columns: list[str], *, total: str) -> str:
    """A SELECT of one row per national_id of the staging lines: `columns` of its first line (lowest line_no) and
    places_sum, the SUM of `total` over all its lines. Each database its fastest way, from the (national_id, line_no)
    index."""
    if connection.vendor == "postgresql":
        # One walk of the index with windows: no hash, no sort (a GROUP BY joined back to its lines is slower).
        return (
            f"SELECT national_id, {', '.join(columns)}, places_sum FROM (SELECT national_id, {', '.join(columns)}, "  # noqa: S608
            f"SUM({total}) OVER (PARTITION BY national_id) AS places_sum, "
            f"ROW_NUMBER() OVER (PARTITION BY national_id ORDER BY line_no) AS line_rank FROM {LINE_TABLE}) ranked "
            "WHERE line_rank = 1"
        )
    # SQLite's windows are slow here; the first line of a group is one rowid lookup.
    return (
        f"SELECT g.national_id, {', '.join(f'l.{c}' for c in columns)}, g.places_sum "  # noqa: S608
        f"FROM (SELECT national_id, MIN(line_no) AS first_line, SUM({total}) AS places_sum FROM {LINE_TABLE} "
        f"GROUP BY national_id) g JOIN {LINE_TABLE} l ON l.line_no = g.first_line"
    )


def more_memory() -> None:
    """For the rest of the import's transaction on PostgreSQL: sorts and hashes of millions of rows in memory
    rather than in temporary files."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(DROP, CREATE) statements of the plain indexes of `table` (not its primary key nor unique constraints), and
    on PostgreSQL of its foreign keys: checked row by row while filling the table, but at once when added back."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT format('DROP INDEX %%I', indexname), indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
            "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) UNION ALL "
            "SELECT format('ALTER TABLE %%I DROP CONSTRAINT %%I', %s::text, conname), "
            "format('ALTER TABLE %%I ADD CONSTRAINT %%I ', %s::text, conname) || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table, table, table, table, table],
        )
    else:
        # Unique constraints are automatic indexes without SQL: kept.
        cursor.execute("SELECT 'DROP INDEX \"' || name || '\"', sql FROM sqlite_master WHERE type = 'index' AND "
                       "tbl_name = %s AND sql IS NOT NULL", [table])  # fmt: skip
    return cursor.fetchall()


@contextmanager
def indexes_deferred(table: str):
    """Filling an EMPTY table (first import): drop its secondary indexes (and foreign keys on PostgreSQL) and build
    them once at the end, much faster than maintaining them row by row. Inside the import transaction, so a failure
    restores them; only used on an empty table, which no reader is waiting for (on PostgreSQL, readers of the
    directory wait for the commit of a first import)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        statements = [] if cursor.fetchone() else _secondary_indexes(cursor, table)
        for drop, _create in statements:
            cursor.execute(drop)
    yield
    with connection.cursor() as cursor:
        if statements and connection.vendor == "postgresql":
            # Django's foreign keys are deferred; PostgreSQL builds no index on a table with pending checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _drop, create in statements:
            cursor.execute(create)
