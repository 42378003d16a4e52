"""Querysets whose SQL Django compiles once: the reads every page makes.

Building a queryset and compiling it to SQL costs Django more CPU than PostgreSQL spends running the query
(docs/performance.md). A `Prepared` read is written as an ordinary queryset, built once per database alias and
shape with stand-in values; the SQL Django compiles for it is kept, and each call binds its own values to it.
Rows are still turned into model instances, `select_related` objects, annotations or `values_list` tuples by
Django's own iterables, so a prepared read gives what the queryset gives (each one has an equivalence test).

What may vary between calls is a value the SQL binds as a parameter: an integer, a text compared as it is, a
date or a date and time, or a list of those (its length is part of the shape). Anything that changes the SQL
text itself (a boolean Django writes into the SQL, a filter present or not, a slice) is given as `shape`.
A value the compiler does not pass through unchanged (`contains` turns « a » into « %a% ») is refused when the
statement is compiled, so a mistake shows on the first call, in the tests. So is a date compiled in as a constant:
`build` must take the current date or time as a value, never read it itself, or the first call's would stay.
"""

import datetime
import re
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import IntegerField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesListIterable
from django.utils import timezone

M = TypeVar("M", bound=Model)

# At most this many statements are kept per read (shapes, kinds of values, list lengths): beyond, each call
# compiles (the page of a list is bound, not a shape).
MAX_SHAPES = 64

# A list this long or longer is not kept as a statement (its stand-ins are numbered k * MAX_LIST + i).
MAX_LIST = 1000
_INT_BASE = -7_300_000_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_Window = tuple[int, int | None]  # a slice's start and stop
_WHOLE: _Window = (0, None)
_STAND_IN = "\ue000stand-in"
# Where a kept statement's numbers of rows are written for each call (`_sql`): its window's LIMIT and OFFSET, and the
# LIMIT of the count read with a page (`PreparedRows.page_and_count`; the count comes as the last column of each row).
_WINDOW = "\ue000window"
_COUNT_STOP = "\ue000count_stop"
_COUNTED = "prepared_counted"


@dataclass(frozen=True)
class _Statement:
    template: QuerySet  # built with the stand-ins, never evaluated
    sql: str | None  # None: the queryset can find nothing (Django's EmptyResultSet, an empty list given)
    slots: tuple[tuple[str | None, int | None, object], ...]  # per parameter: (value's name, index in a list, constant)
    compiled: dict[str, Any]  # the compiler's state after as_sql(), read by Django's iterables
    alone: bool = False  # rows that are not tuples: a page of them is read without its count
    # Per connection (each thread has its own): the functions that turn each column's value into Python's.
    converters: WeakKeyDictionary = field(default_factory=WeakKeyDictionary, compare=False)


class Prepared(Generic[M]):
    """`Prepared(Model, build)`: `build(**values)` returns the queryset, `.fetch(**values)` runs its SQL compiled
    once. `shape`, when given, is passed to `build` too. A window of rows (`rows()[a:b]`, what a paginator asks)
    is written into the kept SQL as numbers, as Django writes a slice: bound as parameters, they kept PostgreSQL from
    planning a prepared statement once for all (`_sql`). With `columns`, the rows
    are `values_list(*columns)` tuples, and the count is the built queryset's, without the joins of those columns
    (what a list shows is read for its page, not for every row counted)."""

    def __init__(
        self, model: type[M], build: Callable[..., QuerySet[M, Any]], *, columns: tuple[str, ...] = ()
    ) -> None:
        self.model = model
        self.build = build
        self.columns = columns
        for column in columns:
            _one_row_per_row(model, column)
        self._statements: dict[tuple[Hashable, ...], _Statement] = {}

    def queryset(self, *, shape: Hashable = (), **values: Any) -> QuerySet:
        """The ORM's own queryset for these values (compiled on each use): what the prepared read must equal."""
        built = self._built(shape, values)
        return built.values_list(*self.columns) if self.columns else built

    def _built(self, shape: Hashable, values: dict[str, Any]) -> QuerySet:
        return self.build(**values) if shape == () else self.build(shape=shape, **values)

    def fetch(self, *, shape: Hashable = (), **values: Any) -> list:
        return self._list(shape, values, _WHOLE)

    def first(self, *, shape: Hashable = (), **values: Any) -> Any:
        rows = self._list(shape, values, _WHOLE)
        return rows[0] if rows else None

    def count(self, *, shape: Hashable = (), **values: Any) -> int:
        """What `queryset().count()` counts."""
        return self._count(shape, values, _WHOLE)

    def sql_with_params(self, *, shape: Hashable = (), stop: int | None = None, **values: Any) -> tuple[str, list]:
        """The SQL of the rows (the first `stop`) and its parameters, for a statement that reads them as a subquery;
        EmptyResultSet when they can be none, as Django's `Query.sql_with_params`."""
        window = _WHOLE if stop is None else (0, stop)
        if _too_long(values):
            text, compiled = self._sliced(shape, values, window).query.sql_with_params()
            return text, list(compiled)
        _, sql, params, _ = self._bind(shape, values, window, kind="rows")
        if sql is None:
            raise EmptyResultSet
        return sql, params

    def rows(self, *, shape: Hashable = (), **values: Any) -> "PreparedRows":
        """The rows, read when iterated: sliced and counted as a queryset is (what a Paginator asks)."""
        return PreparedRows(self, shape, values, _WHOLE)

    def _list(self, shape: Hashable, values: dict[str, Any], window: _Window) -> list:
        if _too_long(values):
            return list(self._sliced(shape, values, window))
        statement, sql, params, db = self._bind(shape, values, window, kind="rows")
        if sql is None:
            return []
        return list(_bound_queryset(statement, sql, params, db))

    def _page_and_count(
        self, shape: Hashable, values: dict[str, Any], start: int, stop: int, count_stop: int
    ) -> tuple[list, int] | None:
        """The rows from `start` to `stop` and the count of the first `count_stop` rows, read by one statement; None
        when it cannot be (rows that are not tuples) or when the window holds no row past the first (the count is
        then not read: no row from the first means none at all)."""
        if _too_long(values):
            return queryset_page_and_count(self.queryset(shape=shape, **values), start, stop, count_stop)
        statement, sql, params, db = self._bind(shape, values, (start, stop), kind="paged", count_stop=count_stop)
        if statement.alone or sql is None:
            return None
        return _rows_and_count(list(_bound_queryset(statement, sql, params, db)), start)

    def _count(self, shape: Hashable, values: dict[str, Any], window: _Window) -> int:
        if _too_long(values):
            return self._sliced(shape, values, window).count()
        _, sql, params, db = self._bind(shape, values, window, kind="count")
        if sql is None:
            return 0
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def _sliced(self, shape: Hashable, values: dict[str, Any], window: _Window) -> QuerySet:
        """The ORM's queryset, compiled for this call only (a list too long to keep a statement for)."""
        queryset = self.queryset(shape=shape, **values)
        return queryset if window == _WHOLE else queryset[window[0] : window[1]]

    def _bind(
        self, shape: Hashable, values: dict[str, Any], window: _Window, *, kind: str, count_stop: int | None = None
    ) -> tuple[_Statement, str | None, list, str]:
        """The statement kept for this call, its SQL with this call's numbers of rows (`_sql`; None: it finds
        nothing), this call's parameters, and the database alias."""
        db = router.db_for_read(self.model)
        connection = connections[db]
        kinds = tuple((name, type(value), _length(value)) for name, value in sorted(values.items()))
        start, stop = window
        # Per database alias: a statement's queryset reads from the alias it was built for (a replica is another).
        key = (db, kind, shape, start > 0, stop is not None, kinds)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._compile(db, shape, values, window, kind)
            if len(self._statements) < MAX_SHAPES:
                self._statements[key] = statement
        ops = connection.ops
        params = [
            constant if name is None else _adapt(ops, values[name] if index is None else values[name][index])
            for name, index, constant in statement.slots
        ]
        sql = None if statement.sql is None else _sql(statement.sql, ops, window, count_stop)
        return statement, sql, params, db

    def _compile(self, db: str, shape: Hashable, values: dict[str, Any], window: _Window, kind: str) -> _Statement:
        """kind: "rows", "count" (of the rows in the window), or "paged" (the rows, each with the count of the first
        `_COUNT_STOP` rows as its last column)."""
        counting, paged = kind == "count", kind == "paged"
        ops = connections[db].ops
        stand_ins: dict[str, Any] = {}
        where: dict[object, tuple[str, int | None]] = {}
        for k, (name, value) in enumerate(sorted(values.items())):
            if isinstance(value, list | tuple):
                stand_ins[name] = [_stand_in(item, k * MAX_LIST + i) for i, item in enumerate(value)]
                for i, item in enumerate(stand_ins[name]):
                    where[_adapt(ops, item)] = (name, i)
            else:
                stand_ins[name] = _stand_in(value, k * MAX_LIST)
                where[_adapt(ops, stand_ins[name])] = (name, None)
        template = (self._built(shape, stand_ins) if counting else self.queryset(shape=shape, **stand_ins)).using(db)
        windowed = window != _WHOLE
        if windowed and (template.query.is_sliced or template.query.combinator):
            raise ValueError("Prepared: a window of rows() is written as LIMIT and OFFSET: build must not slice")
        if self.columns and template.query.distinct:
            raise ValueError("Prepared: distinct rows are counted by their columns: give build the values_list")
        try:
            if paged:
                if template._iterable_class is not ValuesListIterable:
                    return _Statement(template, None, (), {}, alone=True)
                # The count of the first rows as one more column: a page and the bounded count of its paginator
                # (core/pagination.py) in one statement, one round trip.
                count_sql, count_params = (
                    _counted(self._built(shape, stand_ins), True).query.get_compiler(using=db).as_sql()
                )
                template = template.annotate(**{_COUNTED: _count_column(count_sql, count_params, _COUNT_STOP)})
            counted = _counted(template, windowed or template.query.is_sliced) if counting else template
            compiler = counted.query.get_compiler(using=db)
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            if not any(isinstance(value, list | tuple) and not value for value in values.values()):
                # Django found it empty for the stand-ins themselves (an integer out of the column's range): the
                # same statement would be empty for every value.
                raise ValueError("Prepared: Django compiled this queryset to nothing for its stand-ins") from None
            return _Statement(template, None, (), {})
        slots = tuple((*where.get(_key(p), (None, None)), p) for p in params)
        missing = set(where.values()) - {(name, index) for name, index, _ in slots if name is not None}
        if missing:
            names = sorted({name for name, _ in missing})
            raise ValueError(f"Prepared: {names} not bound as parameters of the SQL (give them as shape): {sql}")
        for name, _, constant in slots:
            if name is None and isinstance(constant, str) and _STAND_IN in constant:
                # A value also used transformed (`contains`): that copy would stay the first call's stand-in.
                raise ValueError(f"Prepared: a value is bound transformed (give it as shape): {sql}")
            if name is None and _looks_like_a_date(constant):
                # Most likely `timezone.now()` or `localdate()` read inside `build`: kept, it would stay that instant.
                raise ValueError(f"Prepared: a date or time compiled in as a constant (give it as a value): {sql}")
        if windowed:
            sql += _WINDOW
        if counting:
            sql = f"SELECT COUNT(*) FROM ({sql}) subquery"  # noqa: S608  # nosec B608  (Django's compiled SQL)
            return _Statement(template, sql, slots, {})
        state = {
            name: getattr(compiler, name)
            for name in ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")
        }
        return _Statement(template, sql, slots, state)


def queryset_page_and_count(queryset: QuerySet, start: int, stop: int, count_stop: int) -> tuple[list, int] | None:
    """`PreparedRows.page_and_count` for a queryset compiled for its own call (searched words change its SQL): rows
    read as tuples only, else None."""
    if queryset._iterable_class is not ValuesListIterable or queryset.query.is_sliced or queryset.query.combinator:
        return None
    connection = connections[queryset.db]
    try:
        count_sql, count_params = _counted(queryset, True).query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return ([], 0) if start == 0 else None
    count = _count_column(count_sql, count_params, str(int(count_stop)))
    return _rows_and_count(list(queryset.annotate(**{_COUNTED: count})[start:stop]), start)


def _rows_and_count(rows: list, start: int) -> tuple[list, int] | None:
    """Rows read with the count as their last column: the rows and the count; none from the first row means none
    at all, none further on says nothing of the count (None)."""
    if not rows:
        return ([], 0) if start == 0 else None
    return [row[:-1] for row in rows], rows[0][-1]


def _count_column(sql: str, params: Any, count_stop: str) -> RawSQL:
    """The count of the first `count_stop` rows of Django's compiled SQL, as a column: a scalar subquery
    (`count_stop`: a number written as text, or where `_sql` writes it)."""
    # Django's compiled SQL, its values bound (SECURITY-FINDINGS.md); the number is an int's text.
    return RawSQL(  # noqa: S611  # nosec B611
        f"SELECT COUNT(*) FROM ({sql} LIMIT {count_stop}) subquery",  # noqa: S608  # nosec B608
        params,
        output_field=IntegerField(),
    )


def _counted(queryset: QuerySet, ordered: bool) -> QuerySet:
    """What counts `queryset`'s rows, as Django counts: a subquery of the rows' keys (their own columns when distinct
    or grouped), in order under a window. Rows read as values are counted by their keys too: the columns they show
    would keep their joins and make the database read them for every row counted."""
    counted = queryset if ordered else queryset.order_by()
    plain = counted._iterable_class is ModelIterable or counted.query.group_by is None
    if not counted.query.distinct and plain:
        counted = counted.values("pk")
    return counted


def _one_row_per_row(model: type[Model], column: str) -> None:
    """A column of `columns` follows foreign keys only: through a many-valued relation the rows read would be one per
    related row, and the count, made without the columns, one per row of the model."""
    current: Any = model
    for name in column.split("__")[:-1]:
        field = current._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            raise ValueError(f"Prepared: the column {column} would read several rows for one ({name})")
        current = field.related_model


def _window_sql(ops, window: _Window) -> str:
    """LIMIT and OFFSET as Django writes them for a slice (a LIMIT 0 too: Django's own ops would leave it out)."""
    start, stop = int(window[0]), None if window[1] is None else int(window[1])
    if start < 0 or (stop is not None and stop < start):
        raise ValueError(f"Prepared: no window of rows from {start} to {stop}")
    parts = []
    if stop is not None:
        parts.append(f"LIMIT {stop - start}")
    elif start and (no_limit := ops.no_limit_value()) is not None:
        parts.append(f"LIMIT {no_limit}")  # SQLite: no OFFSET without a LIMIT
    if start:
        parts.append(f"OFFSET {start}")
    return " " + " ".join(parts)


def _sql(sql: str, ops, window: _Window, count_stop: int | None) -> str:
    """The kept SQL with this call's numbers of rows written in, as Django writes a slice's. Bound as parameters,
    they left PostgreSQL unable to weigh a generic plan of a prepared statement against the plans for its values
    (a LIMIT it does not know is a tenth of the rows): it planned the statement again on every page
    (docs/performance.md). A page number is now part of the text: each page asked often is a prepared statement."""
    if window != _WHOLE:
        sql = sql.replace(_WINDOW, _window_sql(ops, window))
    if count_stop is not None:
        sql = sql.replace(_COUNT_STOP, str(int(count_stop)))
    return sql


def _too_long(values: dict[str, Any]) -> bool:
    """A list of MAX_LIST values or more: its stand-ins would overlap the next value's, and each length is a
    statement of its own; such a call is compiled for itself."""
    return any(isinstance(value, list | tuple) and len(value) >= MAX_LIST for value in values.values())


def _looks_like_a_date(value: Any) -> bool:
    if isinstance(value, datetime.date):
        return True
    return isinstance(value, str) and _ISO_DATE.match(value) is not None  # SQLite's adapted dates are text


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, list | tuple) else None


def _stand_in(value: Any, k: int) -> Any:
    """A value of the same kind that no request gives, recognisable among the compiled parameters."""
    if isinstance(value, bool):
        raise TypeError("Prepared: a boolean is written into the SQL by Django; give it as shape")
    if isinstance(value, int):
        return _INT_BASE - k
    if isinstance(value, str):
        # With LIKE's special characters: a lookup that escapes them (iexact on SQLite) changes it, and is refused.
        return f"{_STAND_IN} %_\\ {k}\ue000"
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=k + 1)
    if isinstance(value, datetime.date):
        return datetime.date(1901, 1, 1) + datetime.timedelta(days=k + 1)
    raise TypeError(f"Prepared: no stand-in for a value of type {type(value).__name__}")


def _adapt(ops, value: Any) -> Any:
    """The value as Django's compiler hands it to the driver."""
    if isinstance(value, datetime.datetime):
        if settings.USE_TZ and timezone.is_naive(value):
            raise ValueError("Prepared: a naive date and time (Django would read it in the current time zone)")
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    return value


def _key(param: Any) -> Any:
    try:
        hash(param)
    except TypeError:
        return None
    return param


def _bound_queryset(statement: _Statement, sql: str, params: list, db: str) -> QuerySet:
    """The template queryset, unevaluated, whose compiler gives the kept SQL with these values."""
    template = statement.template
    query = object.__new__(type(template.query))
    query.__dict__ = template.query.__dict__.copy()
    get_compiler = type(template.query).get_compiler

    def prepared_compiler(using=None, connection=None, elide_empty=True):
        compiler = get_compiler(query, using, connection, elide_empty)
        compiler.__dict__.update(statement.compiled)
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        converters = statement.converters.get(compiler.connection)
        if converters is None:
            # The same columns every time: Django would ask each expression and the backend again for each read.
            converters = statement.converters[compiler.connection] = compiler.get_converters(
                [column[0] for column in statement.compiled["select"][: statement.compiled["col_count"]]]
            )
        compiler.get_converters = lambda expressions: converters
        return compiler

    query.get_compiler = prepared_compiler  # type: ignore[method-assign]  # this copy only
    bound = object.__new__(type(template))
    bound.__dict__ = {**template.__dict__, "_db": db, "_query": query, "_result_cache": None, "_prefetch_done": False}
    return bound


class PreparedRows:
    """A prepared read's rows between two positions, read once when first iterated."""

    def __init__(self, prepared: Prepared, shape: Hashable, values: dict[str, Any], window: _Window) -> None:
        self._prepared, self._shape, self._values, self._window = prepared, shape, values, window
        self._rows: list | None = None

    def __getitem__(self, item: slice) -> "PreparedRows":
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("PreparedRows: only a slice without step")
        start, stop = self._window
        if (item.start or 0) < 0 or (item.stop is not None and item.stop < 0):
            raise ValueError("PreparedRows: negative indexing is not supported")
        new_start = start + (item.start or 0)
        new_stop = stop if item.stop is None else start + item.stop
        if stop is not None and new_stop is not None:
            new_stop = min(new_stop, stop)
        if new_stop is not None:
            new_start = min(new_start, new_stop)
        return PreparedRows(self._prepared, self._shape, self._values, (new_start, new_stop))

    def count(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        return self._prepared._count(self._shape, self._values, self._window)

    def page_and_count(self, start: int, stop: int, count_stop: int) -> tuple[list, int] | None:
        """`list(self[start:stop])` and `self[:count_stop].count()`, read by one statement where they can be (rows
        read as tuples); None when they cannot, or when that page holds no row (ask them apart)."""
        if self._window != _WHOLE:
            return None
        return self._prepared._page_and_count(self._shape, self._values, start, stop, count_stop)

    def _fetch(self) -> list:
        if self._rows is None:
            self._rows = self._prepared._list(self._shape, self._values, self._window)
        return self._rows

    def __iter__(self):
        return iter(self._fetch())

    def __len__(self) -> int:
        return len(self._fetch())


@contextmanager
def planned_for_their_values(using: str = "default") -> Iterator[None]:
    """Statements run inside are not prepared by psycopg, so PostgreSQL plans each for the values it is given.

    Everywhere else a statement a connection runs often is prepared, and PostgreSQL (plan_cache_mode `auto`) may
    then keep one generic plan for it, planned without its values: that saves the planning on every page. A
    generic plan cannot use an index for a `LIKE 'prefix%'` whose prefix it does not know: the directory searches
    run in here (docs/performance.md). SQLite prepares nothing this way: nothing to do.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    before = driver.prepare_threshold
    driver.prepare_threshold = None  # psycopg: never prepare (the unnamed statement is planned with its values)
    try:
        yield
    finally:
        driver.prepare_threshold = before
