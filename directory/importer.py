"""Import of the national extraction into the directory.

1. The file is streamed into a temporary staging table (one row per valid line); bad lines are rejected with
   their number and reason and never stop the import.
2. Set-based SQL merges it: new people inserted, people whose lines changed (fingerprint) updated and their places
   of practice replaced, people absent from the file deactivated (never deleted: other tables refer to them).

On PostgreSQL the writes to the directory run in one transaction: a failed or interrupted import leaves the
previous directory as it was, and readers see the old directory until the commit. SQLite has one writer at a time:
the reading and grouping come first, outside any transaction (staging.session), then the writes go in short
transactions of a batch of people each (_write_in_batches), so that users' writes never wait long for the lock.
"""

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from functools import lru_cache, partial
from hashlib import blake2b
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.text import normalize

from . import signals, staging
from .extract import FIELDS, ExtractReader, open_binary
from .models import IdentifierType, PracticePlace, Professional

PROFESSIONAL_FIELDS = [
    "id_type", "identifier", "civilite_exercice_code", "civilite_exercice", "civilite_code", "civilite",
    "last_name", "first_name", "profession_code", "profession", "category_code", "category",
    "specialty_code", "specialty", "search_last_name", "search_first_name",
]  # fmt: skip
PLACE_FIELDS = [
    "mode_code", "mode", "siret", "finess", "structure_name", "address", "postal_code", "commune_code",
    "commune", "search_commune", "department_code", "department", "phone", "email",
]  # fmt: skip
PERSON_COPY = list(PracticePlace.PERSON_COPY)  # copied from the person row just written, in the same INSERT
STAGE_COLUMNS = ["national_id", *PROFESSIONAL_FIELDS, "prof_hash", *PLACE_FIELDS, "place_hash"]
MAX_REASONS = 100  # rejected lines whose reason is kept (the count is always exact)
BLOCK_BYTES = 1 << 20  # of the file, parsed at once
PARALLEL_PARSING = True
PARSERS = max(1, min(4, os.cpu_count() or 1))
ID_TYPES = set(IdentifierType.values)

_index = {field: i for i, field in enumerate(FIELDS)}
# Column widths: longer values would abort the whole import on PostgreSQL, so the merge cuts them (SUBSTR).
_max_length = {
    f.name: f.max_length
    for model in (Professional, PracticePlace)
    for f in model._meta.concrete_fields
    if getattr(f, "max_length", None)
}


def _getter(*fields):
    return itemgetter(*[_index[f] for f in fields])


_ids = _getter("id_type", "identifier", "national_id")
_names = _getter("last_name", "first_name")
_professional_rest = _getter(
    "civilite_exercice_code", "civilite_exercice", "civilite_code", "civilite", "last_name", "first_name",
    "profession_code", "profession", "category_code", "category", "specialty_code", "specialty",
)  # fmt: skip
_place_head = _getter("mode_code", "mode", "siret", "finess")
_structure = _getter("structure_name", "brand")
_street = _getter("street_number", "street_index", "street_type", "street_name")
_place_mid = _getter("postal_code", "commune_code", "commune")
_place_tail = _getter("department_code", "department", "phone", "email")
_commune = _index["commune"]


@lru_cache(maxsize=1 << 17)
def _normalize(value: str) -> str:
    # Names and communes repeat a lot: the cache saves most unidecode calls.
    return normalize(value)


def _hash(values) -> int:
    # Stable across processes (unlike hash()); 48 bits, so that a sum over a person's lines fits in 64 bits.
    return int.from_bytes(blake2b("\x1f".join(values).encode(), digest_size=6).digest(), "big")


class Rejected(Exception):
    """A line that cannot be imported; its message is the reason, shown to the operator."""


def _stage_row(number: int, record: tuple) -> str:
    """The staging row of a valid line, as `staging.write_block` takes it (line_no and STAGE_COLUMNS, joined
    with "|"). Raises Rejected with the reason of a line's rejection."""
    id_type, identifier, national_id = _ids(record)
    if not national_id and id_type and identifier:
        national_id = id_type + identifier
    if not national_id:
        raise Rejected("identifiant absent")
    if not id_type:
        id_type = national_id[0]
    if id_type not in ID_TYPES:
        raise Rejected(f"type d'identifiant inconnu « {id_type[:10]} »")
    identifier = identifier or national_id[1:]
    if len(national_id) > 12 or len(identifier) > 11 or national_id[0] != id_type:
        raise Rejected(f"identifiant invalide « {national_id[:20]} »")
    last_name, first_name = _names(record)
    professional = (id_type, identifier, *_professional_rest(record), _normalize(last_name), _normalize(first_name))
    structure, brand = _structure(record)
    commune = record[_commune]
    place = (
        *_place_head(record),
        structure or brand,
        " ".join(filter(None, _street(record))),
        *_place_mid(record),
        _normalize(commune),
        *_place_tail(record),
    )
    # No value holds "|" nor a line end (the file's own separators), so "|" separates them.
    return f"{number}|{national_id}|{'|'.join(professional)}|{_hash(professional)}|{'|'.join(place)}|{_hash(place)}"


def import_extract(
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> dict:
    """Import the extraction at `path` (.txt or .zip). Returns the summary:
    lines, created, updated, unchanged, deactivated, rejected_count, rejected (first (line, reason) pairs)."""
    stats: dict[str, Any] = {"lines": 0, "created": 0, "updated": 0, "unchanged": 0, "deactivated": 0,
             "rejected_count": 0, "rejected": [], "deactivated_ids": []}  # fmt: skip
    phase = phase or (lambda message: None)
    with open_binary(Path(path)) as (stream, size), staging.session():
        reader = ExtractReader(stream, size)
        stats["encoding"], stats["columns"] = reader.encoding, reader.width
        staging.create_line_table([(c, "bigint" if c.endswith("_hash") else "text") for c in STAGE_COLUMNS])
        _load(reader, stats, progress)
        if stats["lines"] - stats["rejected_count"] == 0:
            # A header-only (or all-rejected) file must not empty the directory.
            phase("Aucune ligne valide : l'annuaire n'est pas modifié.")
        else:
            _merge(stats, phase)
    if stats["created"] + stats["updated"] + stats["deactivated"]:
        phase("Statistiques de la base…")
        staging.analyze(Professional._meta.db_table, PracticePlace._meta.db_table, temporary=False)
    return stats


class ImportFailed(Exception):
    """Reading the file failed part-way: nothing was changed."""


_reader: ExtractReader | None = None  # the file being read, for _stage_block (inherited by the parsing processes)


def _stage_block(number: int, block: bytes) -> tuple[str, list, int]:
    """(staging rows as text, rejected (line, reason), lines read) of a block of the file."""
    rows, rejected, lines = [], [], 0
    for line_number, record, error in _reader.parse(number, block):  # type: ignore[union-attr]  # set before the blocks are parsed
        lines += 1
        if record is None:
            rejected.append((line_number, error))
            continue
        try:
            rows.append(_stage_row(line_number, record))
        except Rejected as reason:
            rejected.append((line_number, str(reason)))
    text = "\n".join(rows)
    if "\x00" in text:
        text = text.replace("\x00", "")  # no database text holds a NUL (PostgreSQL would refuse the whole file)
    return text, rejected, lines


def _staged_blocks(reader: ExtractReader):
    """(_stage_block's result, bytes read) for every block of the file, in the file's order.

    Parsing is CPU-bound Python: PARSERS forked processes parse blocks while this one writes to the database, so
    the import uses every core. They never touch the database connection they inherit. At most 2 blocks per parser
    are in flight: memory stays flat."""
    global _reader
    _reader = reader  # before the pool forks its processes: they inherit it
    blocks = reader.blocks(BLOCK_BYTES)
    pool = _parsers()
    if pool is None:
        for number, block in blocks:
            yield _stage_block(number, block), reader.bytes_read
        return
    pending: deque[Any] = deque()
    try:
        for number, block in blocks:
            pending.append((pool.submit(_stage_block, number, block), reader.bytes_read))
            if len(pending) > 2 * PARSERS:
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _parsers() -> ProcessPoolExecutor | None:
    """The pool of parsing processes, or None to parse in this process: no fork on this platform, or no process
    semaphores (a container without /dev/shm). Slower, never a failed import."""
    if not (PARALLEL_PARSING and "fork" in multiprocessing.get_all_start_methods()):
        return None
    try:
        context = multiprocessing.get_context("fork")
        return ProcessPoolExecutor(PARSERS, mp_context=context)
    except (NotImplementedError, ImportError, OSError):
        return None


def _result(future, bytes_read):
    try:
        return future.result(), bytes_read
    except BrokenProcessPool:
        raise ImportFailed("la lecture du fichier s'est interrompue") from None
    except Exception as error:  # raised while parsing, in a parser process
        raise ImportFailed(f"lecture du fichier : {type(error).__name__} : {error}") from error


def _load(reader: ExtractReader, stats: dict, progress) -> None:
    kept = stats["rejected"]
    with staging.line_writer(STAGE_COLUMNS) as writer:
        for (text, rejected, lines), bytes_read in _staged_blocks(reader):
            writer.write_block(text)
            stats["lines"] += lines
            stats["rejected_count"] += len(rejected)
            kept.extend(rejected[: MAX_REASONS - len(kept)])
            if progress:
                progress(bytes_read, reader.size)


def _cut(alias: str, field: str) -> str:
    return f"SUBSTR({alias}.{field}, 1, {_max_length[field]})"


def _merge(stats: dict, phase) -> None:
    line = staging.LINE_TABLE
    phase("Regroupement des lignes par professionnel…")
    staging.more_memory()
    with connection.cursor() as cursor:
        # (person, line): a person's lines in order, to group and join them person by person without sorting.
        cursor.execute(f"CREATE INDEX {line}_nid ON {line} (national_id, line_no)")
        staging.analyze(line)
        state = _directory_state(cursor)
        _group(cursor, stats)
    if staging.short_transactions():
        _write_in_batches(stats, phase, state)
        return
    # Only the writes to the directory in this transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        if _directory_state(cursor) != state:
            # Changed since the grouping (another import, an edit): the statuses are computed again, locked.
            _group(cursor, stats)
        _deactivate(cursor, stats, phase)
        _write(cursor, stats, phase)


def _directory_state(cursor) -> tuple:
    """Changes whenever a person is added, removed or saved (updated_at is set on every write)."""
    cursor.execute(f"SELECT COUNT(*), MAX(id), MAX(updated_at) FROM {Professional._meta.db_table}")  # noqa: S608
    return tuple(cursor.fetchone())


def _group(cursor, stats: dict) -> None:
    person = staging.PERSON_TABLE
    pro = Professional._meta.db_table
    cursor.execute(f"DROP TABLE IF EXISTS {person}")
    # One row per person, with the identity its first line gives; the fingerprint covers all its lines.
    # Status: n = new, c = changed (or coming back), s = same as in the directory.
    cursor.execute(f"""
        CREATE TEMPORARY TABLE {person} AS
        SELECT g.national_id AS national_id, p.id AS professional_id,
               {", ".join(f"g.{c}" for c in PROFESSIONAL_FIELDS)},
               CAST(g.places_sum + g.prof_hash AS bigint) AS fingerprint,
               CASE WHEN p.id IS NULL THEN 'n'
                    WHEN p.import_fingerprint = g.places_sum + g.prof_hash AND p.is_active THEN 's'
                    ELSE 'c' END AS status
        FROM ({staging.first_lines([*PROFESSIONAL_FIELDS, "prof_hash"], total="place_hash")}) g
        LEFT JOIN {pro} p ON p.national_id = g.national_id
        ORDER BY g.national_id
    """)  # noqa: S608 (table names are ours)
    cursor.execute(f"CREATE UNIQUE INDEX {person}_nid ON {person} (national_id)")
    staging.analyze(person)
    cursor.execute(f"SELECT status, COUNT(*) FROM {person} GROUP BY status")  # noqa: S608
    counts = dict(cursor.fetchall())
    stats["created"], stats["updated"], stats["unchanged"] = (counts.get(k, 0) for k in "ncs")
    # The active people absent from the file: found here, a scan of the whole directory, so that the write lock
    # is held only to deactivate them.
    cursor.execute(f"DROP TABLE IF EXISTS {staging.ABSENT_TABLE}")
    cursor.execute(f"""
        CREATE TEMPORARY TABLE {staging.ABSENT_TABLE} AS
        SELECT id FROM {pro}
        WHERE is_active AND NOT EXISTS (SELECT 1 FROM {person} sp WHERE sp.national_id = {pro}.national_id)
    """)  # noqa: S608


def _deactivate(cursor, stats: dict, phase, batch: tuple[int, int] | None = None) -> None:
    """The active people absent from the file (ABSENT_TABLE, or its rows `batch` on SQLite) made inactive; the
    signal that suspends their delegations is sent after the commit."""
    pro, place = Professional._meta.db_table, PracticePlace._meta.db_table
    phase("Professionnels absents du fichier désactivés…")
    absent = f"SELECT id FROM {staging.ABSENT_TABLE}"  # noqa: S608
    params: list[Any] = []
    if batch:
        absent += " WHERE rowid BETWEEN %s AND %s"
        params = list(batch)
    cursor.execute(
        f"UPDATE {pro} SET is_active = %s, updated_at = %s WHERE is_active AND id IN ({absent}) RETURNING id",  # noqa: S608
        [False, timezone.now(), *params],
    )
    ids = [row[0] for row in cursor.fetchall()]
    if ids:
        # Their places' copy of the flag (PracticePlace.PERSON_COPY): off the search-by-place indexes.
        cursor.execute(f"UPDATE {place} SET is_active = %s WHERE is_active AND professional_id IN ({absent})",  # noqa: S608
                       [False, *params])  # fmt: skip
        stats["deactivated_ids"] += ids
        stats["deactivated"] += len(ids)
        # After the commit only: the apps above (delegations) suspend what the people who left had.
        transaction.on_commit(partial(signals.send_professionals_deactivated, ids))


def _write(cursor, stats: dict, phase, batch: tuple[int, int] | None = None) -> None:
    """The new and changed people written, their places of practice replaced: all of them, or on SQLite those of
    rows `batch` of TODO_TABLE (a person's row and places always in the same transaction)."""
    line, person = staging.LINE_TABLE, staging.PERSON_TABLE
    pro, place = Professional._meta.db_table, PracticePlace._meta.db_table
    if not stats["created"] + stats["updated"]:
        return  # the usual monthly case for most people: nothing else to write
    if batch:
        people = f"{staging.TODO_TABLE} t JOIN {person} sp ON sp.national_id = t.national_id"
        chosen, params, order = "t.rowid BETWEEN %s AND %s", list(batch), "t.rowid"
        # Places replaced by identity, not by the status of the grouping: right even for a person added since.
        replaced = f"SELECT p.id FROM {people} JOIN {pro} p ON p.national_id = t.national_id WHERE {chosen}"  # noqa: S608
    else:
        people, chosen, params, order = f"{person} sp", "sp.status <> 's'", [], "sp.national_id"
        replaced = f"SELECT professional_id FROM {person} WHERE status = 'c'" if stats["updated"] else ""  # noqa: S608
    # A first import on PostgreSQL builds the indexes once at the end; on SQLite that would be one long write.
    deferred = staging.indexes_deferred if not batch else lambda table: nullcontext()
    phase("Professionnels créés et mis à jour…")
    with deferred(pro):
        cursor.execute(f"""
            INSERT INTO {pro} (national_id, {", ".join(PROFESSIONAL_FIELDS)}, is_active, updated_at,
                               import_fingerprint)
            SELECT sp.national_id, {", ".join(_cut("sp", c) for c in PROFESSIONAL_FIELDS)}, %s, %s, sp.fingerprint
            FROM {people}
            WHERE {chosen}
            ORDER BY {order}
            ON CONFLICT (national_id) DO UPDATE SET
                {", ".join(f"{c} = excluded.{c}" for c in PROFESSIONAL_FIELDS)},
                is_active = excluded.is_active, updated_at = excluded.updated_at,
                import_fingerprint = excluded.import_fingerprint
        """, [True, timezone.now(), *params])  # noqa: S608  # fmt: skip

    phase("Lieux d'exercice remplacés…")
    if replaced:
        cursor.execute(f"DELETE FROM {place} WHERE professional_id IN ({replaced})", params)  # noqa: S608
    with deferred(place):
        cursor.execute(f"""
            INSERT INTO {place} (professional_id, {", ".join(PLACE_FIELDS)}, {", ".join(PERSON_COPY)})
            SELECT p.id, {", ".join(_cut("l", c) for c in PLACE_FIELDS)}, {", ".join(f"p.{c}" for c in PERSON_COPY)}
            FROM {people}
            JOIN {line} l ON l.national_id = sp.national_id
            JOIN {pro} p ON p.national_id = sp.national_id
            WHERE {chosen}
            ORDER BY {order}, l.line_no
        """, params)  # a person's places together, in the file's order  # noqa: S608  # fmt: skip


BATCH_SECONDS = 0.5  # target length of each write transaction on SQLite
# Between them: twice the longest sleep of SQLite's busy handler (100 ms), so that a user's write waiting for the lock
# wakes inside the pause even when a loaded machine makes sleeps overshoot (0.1 s let one of thousands miss it in CI).
BATCH_PAUSE = 0.2
BATCH_FIRST = 500  # people in the first batch, then sized from the time the previous one took
BATCH_MIN = 50
IMPORT_BUSY_TIMEOUT_MS = 60_000  # how long the import waits for users' writes before each batch
QUIET_BATCHES = 3  # batches in a row without a pause, while nobody wrote in the last one
# The cache of the writes: the batches append to the tables and to the indexes that follow the people's order;
# a larger one would only raise the import's memory.
WRITE_CACHE_KIB = 16_384


def _search_indexes() -> list[tuple[Any, Any]]:
    """The directory's indexes whose entries do not follow the people's order (names, places): written in national_id
    order, each batch would insert into pages all over them. A first import on SQLite builds them after its batches
    (see _write_in_batches); the others (national_id, identifier, a person's places) grow at their end."""
    return [
        (model, index)
        for model in (Professional, PracticePlace)
        for index in model._meta.indexes
        if index.fields[0] != "professional"
    ]


def _missing_indexes(cursor) -> list[str]:
    """CREATE statements of the search indexes the database lacks: dropped for a first import, or by an import that
    was killed before building them again (the next import builds them)."""
    editor = connection.schema_editor()
    present: dict[str, set] = {}
    missing = []
    for model, index in _search_indexes():
        table = model._meta.db_table
        if table not in present:
            present[table] = set(connection.introspection.get_constraints(cursor, table))
        if index.name not in present[table]:
            missing.append(str(index.create_sql(model, editor)))
    return missing


class _Pauses:
    """The pauses between the write transactions. A user's write that waited for the lock goes in the pause; when none
    went in the last pause, nobody was waiting, and up to QUIET_BATCHES batches follow without one: a user who comes
    meanwhile waits those few batches, and from the pause in which it goes, a pause follows every batch again."""

    def __init__(self):
        self.due, self.busy, self.skipped = False, True, 0  # someone may wait until a pause shows nobody does

    def before_transaction(self, always=False) -> None:
        if not self.due:
            self.due = True
            return
        if not (always or self.busy or self.skipped >= QUIET_BATCHES):
            self.skipped += 1
            return
        before = _data_version()
        time.sleep(BATCH_PAUSE)
        self.busy, self.skipped = _data_version() != before, 0


def _data_version() -> int:
    """Changes whenever another connection commits (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA data_version")
        return cursor.fetchone()[0]


def _write_in_batches(stats: dict, phase, state: tuple) -> None:
    """SQLite: the writes in short transactions, each holding the database's write lock a fraction of a second and
    followed by a pause in which the users' writes waiting for it go first. Everything was computed before (staging
    tables); each transaction writes a batch of people, each with its places. Deactivations come last, once every
    person of the file is written: an interrupted import leaves each person as before or as in the file, never
    half-written, deactivates nobody, and running it again completes it.

    Into an empty directory (a first import), the search indexes are dropped first and built after the batches, one
    per transaction: maintained row by row, each batch would rewrite pages all over them. Whatever happens, they are
    built again before the import returns (or by the next one, if this one was killed)."""
    with connection.cursor() as cursor:
        if _directory_state(cursor) != state:
            # Changed since the grouping (another import, an edit): the statuses are computed again.
            state = _directory_state(cursor)
            _group(cursor, stats)
        cursor.execute(f"DROP TABLE IF EXISTS {staging.TODO_TABLE}")
        cursor.execute(f"""
            CREATE TEMPORARY TABLE {staging.TODO_TABLE} AS
            SELECT national_id FROM {staging.PERSON_TABLE} WHERE status <> 's' ORDER BY national_id
        """)  # noqa: S608  (rowid = rank)
        cursor.execute(f"SELECT COUNT(*) FROM {staging.TODO_TABLE}")  # noqa: S608
        (todo,) = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {staging.ABSENT_TABLE}")  # noqa: S608
        (absent,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout")
        (busy_timeout,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {IMPORT_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
    quiet = lambda message: None  # noqa: E731
    pauses = _Pauses()
    try:
        if state[0] == 0 and todo:
            pauses.before_transaction()
            with transaction.atomic(), connection.cursor() as cursor:
                for _model, index in _search_indexes():
                    cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
        for step, total, message in (
            (_write, todo, "Professionnels créés et mis à jour, lieux d'exercice remplacés…"),
            (_deactivate, absent, "Professionnels absents du fichier désactivés…"),
        ):
            if total:
                phase(message)
            first, size = 1, BATCH_FIRST
            while first <= total:
                pauses.before_transaction()
                last = min(total, first + size - 1)
                started = time.monotonic()
                with transaction.atomic(), connection.cursor() as cursor:
                    step(cursor, stats, quiet, (first, last))
                elapsed = time.monotonic() - started
                # Sized so that the next one takes about BATCH_SECONDS, whatever the machine's load.
                # Grows at most 4× a step: a batch timed on an idle moment cannot overshoot much when load returns.
                size = max(BATCH_MIN, min(4 * size, int((last - first + 1) * BATCH_SECONDS / max(elapsed, 0.001))))
                first = last + 1
    finally:
        with connection.cursor() as cursor:
            missing = _missing_indexes(cursor)
        if missing:
            phase("Index de recherche construits…")
        for create in missing:
            pauses.before_transaction(always=True)  # each build holds the lock seconds on a national directory
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(create)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
