"""Import of the national extraction into the directory.

1. The file is streamed into a temporary staging table (one row per valid line); bad lines are rejected with
   their number and reason and never stop the import.
2. Set-based SQL merges it: new people inserted, people whose lines changed (fingerprint) updated and their places
   of practice replaced, people absent from the file deactivated (never deleted: other tables refer to them).

The writes to the directory run in ONE transaction: a failed or interrupted import leaves the previous directory
as it was, and readers see the old directory until the commit. On SQLite the reading and grouping come before
it, outside any transaction, so that its write lock is held only for the writes (staging.session).
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
    # Only the writes to the directory in this transaction: on SQLite it holds the database's write lock, so it
    # comes after the reading and grouping, which take none (staging.session).
    with transaction.atomic(), connection.cursor() as cursor:
        if _directory_state(cursor) != state:
            # Changed since the grouping (another import, an edit): the statuses are computed again, locked.
            _group(cursor, stats)
        _write(cursor, stats, phase)
        if stats["deactivated_ids"]:
            # After the commit only: the apps above (delegations) suspend what the people who left had.
            transaction.on_commit(partial(signals.send_professionals_deactivated, stats["deactivated_ids"]))


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


def _write(cursor, stats: dict, phase) -> None:
    line, person = staging.LINE_TABLE, staging.PERSON_TABLE
    pro, place = Professional._meta.db_table, PracticePlace._meta.db_table
    now = timezone.now()
    phase("Professionnels absents du fichier désactivés…")
    absent = f"SELECT id FROM {staging.ABSENT_TABLE}"  # noqa: S608
    cursor.execute(
        f"UPDATE {pro} SET is_active = %s, updated_at = %s WHERE id IN ({absent}) RETURNING id",  # noqa: S608
        [False, now],
    )
    stats["deactivated_ids"] = [row[0] for row in cursor.fetchall()]
    stats["deactivated"] = len(stats["deactivated_ids"])
    if stats["deactivated"]:
        # Their places' copy of the flag (PracticePlace.PERSON_COPY): off the search-by-place indexes.
        cursor.execute(f"UPDATE {place} SET is_active = %s WHERE is_active AND professional_id IN ({absent})", [False])  # noqa: S608

    if not stats["created"] + stats["updated"]:
        return  # the usual monthly case for most people: nothing else to write
    phase("Professionnels créés et mis à jour…")
    with staging.indexes_deferred(pro):
        cursor.execute(f"""
            INSERT INTO {pro} (national_id, {", ".join(PROFESSIONAL_FIELDS)}, is_active, updated_at,
                               import_fingerprint)
            SELECT sp.national_id, {", ".join(_cut("sp", c) for c in PROFESSIONAL_FIELDS)}, %s, %s, sp.fingerprint
            FROM {person} sp
            WHERE sp.status <> 's'
            ORDER BY sp.national_id
            ON CONFLICT (national_id) DO UPDATE SET
                {", ".join(f"{c} = excluded.{c}" for c in PROFESSIONAL_FIELDS)},
                is_active = excluded.is_active, updated_at = excluded.updated_at,
                import_fingerprint = excluded.import_fingerprint
        """, [True, now])  # noqa: S608  # fmt: skip

    phase("Lieux d'exercice remplacés…")
    if stats["updated"]:
        cursor.execute(f"""
            DELETE FROM {place} WHERE professional_id IN
                (SELECT professional_id FROM {person} WHERE status = 'c')
        """)  # noqa: S608
    with staging.indexes_deferred(place):
        cursor.execute(f"""
            INSERT INTO {place} (professional_id, {", ".join(PLACE_FIELDS)}, {", ".join(PERSON_COPY)})
            SELECT p.id, {", ".join(_cut("l", c) for c in PLACE_FIELDS)}, {", ".join(f"p.{c}" for c in PERSON_COPY)}
            FROM {line} l
            JOIN {person} sp ON sp.national_id = l.national_id
            JOIN {pro} p ON p.national_id = l.national_id
            WHERE sp.status <> 's'
            ORDER BY sp.national_id, l.line_no
        """)  # a person's places together, in the file's order  # noqa: S608
