"""Reads of the directory: the one search service, used by the `Annuaire` page and the colleague delegation flow."""

import re
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.query import ModelIterable

from core.lookups import Like
from core.prepared import Prepared, planned_for_their_values
from core.ratelimit import Rule
from core.text import normalize

from .models import DOCTOR_PROFESSION_CODE, PracticePlace, Professional

POSTAL_CODE = re.compile(r"^\d{5}$")
RESULTS_LIMIT = 1000  # results counted at most: beyond, the user refines the search
SELECTIVE_PLACE = 2000  # up to this many places, a place-only search starts from the places
DEPARTMENT = re.compile(r"^(\d{2,3}|2[ab])$", re.IGNORECASE)
MAX_COMMUNES = 10  # a commune prefix matching more communes than this is searched as one range (_place_keys)
RANGE_ROWS = 10_000  # beyond, a range of communes is searched the general way
NAME_MAX_COMMUNES = 100  # a name and a commune prefix matching more communes: the general way
PEEK = 100  # a name (and a place): people read by the count, the page then taken from them (_NameWalk)
NAME_ORDER = ("search_last_name", "search_first_name", "professional_id")  # a places walk's order
PERSON_ORDER = ("search_last_name", "search_first_name", "id")  # the results' order, and a people walk's
# Searches per user: one counter for every page that searches (each app registers it on its views: apps.py).
SEARCH_RATE_LIMIT = Rule("directory-search", "RATELIMIT_SEARCH_PER_USER", "user_or_ip", ("GET", "HEAD"))


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds of the strings starting with `prefix`: `>= low AND < high` is a btree range scan on both databases
    (byte order: BINARY on SQLite, "C" collation on PostgreSQL). Normalised text is [a-z0-9 ] only, so bumping
    the last character is exact."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(field: str, text: str) -> dict[str, Any]:
    if connection.vendor == "postgresql":
        # LIKE 'lefev%' on a "C"-collated column: the same btree range, and PostgreSQL estimates a prefix far better
        # than a range (a wrong estimate made it scan a whole town's places for every name found).
        return {f"{field}__startswith": text}
    low, high = prefix_range(text)
    return {f"{field}__gte": low, f"{field}__lt": high}


class SearchResults(QuerySet[Professional]):
    """Search results whose count stops at RESULTS_LIMIT + 1: a search matching half of Paris costs no more than a
    precise one (the count ignores the order, so the database stops at the limit).

    Every statement of a search is planned for its own values (`planned_for_their_values`): a plan kept for any
    name prefix cannot use the names indexes. A page (a slice) of a search that walks an index (`page_from`) is a
    list of people, their places read with them."""

    limit = RESULTS_LIMIT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_from: Callable[[], int] | None = None
        self.page_from: Callable[[int, int], list[int]] | None = None

    def __getitem__(self, k: Any) -> Any:
        if self.page_from is not None and isinstance(k, slice) and k.stop is not None and not self.query.is_sliced:
            # A page of a search by place, by name, or both: its people's ids come from an index walk in name
            # order, and are read by primary key alone (with the search's filters, PostgreSQL may walk a whole name
            # range to find them).
            with planned_for_their_values(self.db):
                ids = self.page_from(k.start or 0, k.stop)
            # In one statement compiled once per page length, as a list (the search's order and columns).
            people = _PAGE.fetch(ids=ids)
            _read_places(people)
            return people
        return super().__getitem__(k)

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        with planned_for_their_values(self.db):
            super()._fetch_all()
        if fresh and self._iterable_class is ModelIterable and self._result_cache:
            _read_places(self._result_cache)

    def count(self) -> int:
        with planned_for_their_values(self.db):
            if self._result_cache is not None or self.query.is_sliced:
                return super().count()
            if self.count_from is not None:
                return self.count_from()
            return super(SearchResults, self.order_by()[: RESULTS_LIMIT + 1]).count()

    @property
    def over_limit(self) -> bool:
        return self.count() > RESULTS_LIMIT


def place_filter(place: str) -> dict[str, Any]:
    """A place term: 5 digits = postal code; "69", "2A", "974" = département; otherwise a commune name prefix."""
    term = place.strip()
    if POSTAL_CODE.match(term):
        return {"postal_code": term}
    if DEPARTMENT.match(term):
        return {"department_code": term.upper()}
    commune = normalize(term)
    return _starts_with("search_commune", commune) if commune else {}


@planned_for_their_values()  # the searches it runs at once (probes of communes and places)
def search_professionals(
    *,
    name: str = "",
    first_name: str = "",
    place: str = "",
    profession_code: str | None = DOCTOR_PROFESSION_CODE,
    active_only: bool = True,
    exclude: int | None = None,
) -> QuerySet[Professional]:
    """Professionals by name prefix (nom d'exercice, optionally prénom) and place of practice, accents, case,
    hyphens and apostrophes ignored; ordered by name, each person's places read with the page (`place_list`).
    `profession_code=None`: all professions; `exclude`: the id of a person left out (the doctor looking for a
    colleague)."""
    person_filters: dict[str, Any] = {}
    if profession_code:
        person_filters["profession_code"] = profession_code
    if active_only:
        person_filters["is_active"] = True
    if first := normalize(first_name):
        person_filters.update(_starts_with("search_first_name", first))
    person = Q(**person_filters)
    if exclude is not None:
        person &= ~Q(pk=exclude)
    if last := normalize(name):
        person &= Q(**_starts_with("search_last_name", last))
    where = place_filter(place) if place else {}
    if not where:
        if last and profession_code and active_only:
            # A name alone (the usual case): the people walked in name order by directory_pro_active_idx (index
            # only), counted in the statement that reads the first of them; the page then read by primary key.
            walk = _NameWalk(_PEOPLE_WALK, _walk_values(person_filters, exclude, last, first, {}))
            return _results(person, count_from=walk.count, page_from=walk.page)
        return _results(person)
    # Active people's places are active (PracticePlace.PERSON_COPY): saying so lets the partial indexes by place serve
    # these filters too.
    where_active = {**where, **({"is_active": True} if active_only else {})}
    has_place = Exists(PracticePlace.objects.filter(professional=OuterRef("pk"), **where_active))
    if active_only and last:
        if (key := _name_place_key(where)) is not None:
            # A name and a place: one walk of the places index (place, profession, names) bounded by both, so that
            # it touches the people found only, whatever the size of the town or of the name. All professions:
            # bounded by the place only (an index-only range), never by how common the name is.
            walk = _NameWalk(_PLACES_WALK, _walk_values(person_filters, exclude, last, first, key))
            return _results(person, has_place, count_from=walk.count, page_from=walk.page)
    elif profession_code and active_only:
        by_place = PracticePlace.objects.filter(**person_filters)
        if exclude is not None:
            by_place = by_place.exclude(professional_id=exclude)
        keys, known = _place_keys(where, by_place)
        if keys is not None or known is not None:
            # A place alone (the usual case): the places indexes carry the person's names, profession and active
            # flag (PracticePlace.PERSON_COPY), so a page and the count are index walks stopping at what they need.
            # Without keys, a large range of communes: the people walked in name order find a page after a few rows.
            return _results(
                person,
                has_place,
                count_from=partial(int, known) if known is not None else partial(_count_by_keys, by_place, keys),  # type: ignore[arg-type]  # keys is set when known is None
                page_from=partial(_page_by_keys, by_place, keys) if keys is not None else None,
            )
    if not last:
        places = PracticePlace.objects.filter(**where_active)
        ids = list(places.values_list("professional_id", flat=True)[: SELECTIVE_PLACE + 1])
        if len(ids) <= SELECTIVE_PLACE:
            # A small town: start from its places (index), then sort the few people found.
            return _results(person, Q(pk__in=ids))
        # A big town without a name (all professions, or inactive people too): the people walked in name order,
        # their places checked; counted from its places (index range), not by walking the whole profession.
        return _results(person, has_place, count_from=partial(_count_by_places, where, person_filters))
    # A name: walk the people in name order and check their places; the first page comes after a few rows.
    return _results(person, has_place)


# What the results table shows of a person (directory/jinja2/directory/_results_table.html): not the import's
# columns (fingerprint, codes, dates).
SHOWN = ("id_type", "identifier", "civilite_exercice", "civilite", "last_name", "first_name", "profession", "specialty")


def _results(
    *conditions: Q | Exists,
    count_from: Callable[[], int] | None = None,
    page_from: Callable[[int, int], list[int]] | None = None,
) -> SearchResults:
    """The search as search_professionals gives it: filtered, ordered, its columns, and its walks. Those walks belong
    to that queryset alone: any queryset derived from it (a filter, another order, `reverse`, `none`,
    `values_list`…) is read and counted the general way."""
    results = SearchResults(Professional).filter(*conditions).order_by(*PERSON_ORDER).only(*SHOWN)
    results.count_from, results.page_from = count_from, page_from
    return results


# A page of a search whose people are known by their ids (SearchResults.page_from), read by primary key: compiled
# once per page length (core/prepared.py), where the page's queryset was built and compiled for each search.
_PAGE = Prepared(
    Professional, lambda *, ids: Professional.objects.filter(pk__in=ids).order_by(*PERSON_ORDER).only(*SHOWN)
)


class PlaceShown(NamedTuple):
    """A place of practice as the results table shows it (directory/jinja2/directory/_results_table.html)."""

    pk: int
    structure_name: str
    address: str
    postal_code: str
    commune: str
    mode: str


# The places of the people of a page, in one statement compiled once (core/prepared.py): Django's prefetch built a
# queryset for each person of the page. Read as values: what the table shows, not a model instance per place.
_PLACES = Prepared(
    PracticePlace,
    lambda *, people: (
        PracticePlace.objects.filter(professional_id__in=people)
        .order_by("professional_id", "id")
        .values_list("professional_id", *PlaceShown._fields)
    ),
)


def _read_places(people: list[Professional]) -> None:
    """Each person's places, in their order, as `place_list` (the results table draws them)."""
    by_person: dict[int, list[PlaceShown]] = {person.pk: [] for person in people}
    for row in _PLACES.fetch(people=list(by_person)):
        by_person[row[0]].append(PlaceShown(*row[1:]))
    for person in people:
        person.place_list = by_person[person.pk]  # type: ignore[attr-defined]


def _place_keys(where: dict[str, Any], by_place: QuerySet[Any]) -> tuple[list[dict[str, Any]] | None, int | None]:
    """The place term as filters walked in name order by an index (equality: one per commune for a commune
    prefix), and the count of people when already known.

    A prefix of more than MAX_COMMUNES communes ("saint") is probed once, up to RANGE_ROWS places of the people
    searched (index only): fewer, it is one range, sorted; more, no keys (walking the people in name order finds
    a page after a few rows) and the count is known when those places already hold more than RESULTS_LIMIT people;
    (None, None) otherwise: the general way."""
    if "postal_code" in where or "department_code" in where:
        return [where], None
    communes = _communes(where)
    if communes is not None:
        return [{"search_commune": commune} for commune in communes], None
    probe = by_place.filter(**where).values("professional_id")[:RANGE_ROWS]
    seen = probe.aggregate(rows=Count("professional_id"), people=Count("professional_id", distinct=True))
    people = min(seen["people"], RESULTS_LIMIT + 1)
    if seen["rows"] < RANGE_ROWS:
        return [where], people
    return None, (people if people > RESULTS_LIMIT else None)


def _name_place_key(where: dict[str, Any]) -> dict[str, Any] | None:
    """A name and a place: the place as equalities leading directory_plc_*_nm_idx, so that the name prefix bounds
    the walk too (with a range of communes it would not: the whole range, all of Paris for "paris", would be
    walked, the name only filtering). A commune prefix of more than NAME_MAX_COMMUNES communes: None (the
    general way)."""
    if "postal_code" in where or "department_code" in where:
        return where
    communes = _communes(where, NAME_MAX_COMMUNES)
    if communes is None:
        return None
    # Several communes: the index entered once per commune, the few people found sorted by name.
    return {"search_commune": communes[0]} if len(communes) == 1 else {"search_commune__in": communes}


def _walk_values(
    person_filters: dict[str, Any], exclude: int | None, last: str, first: str, place: dict[str, Any]
) -> dict[str, Any]:
    """What a search gives `_people_walk` or `_places_walk` (active people only: the walks' indexes are partial)."""
    values: dict[str, Any] = {**_prefix_values("last", last), **(_prefix_values("first", first) if first else {})}
    if "profession_code" in person_filters:
        values["profession"] = person_filters["profession_code"]
    if exclude is not None:
        values["exclude"] = exclude
    values.update(place)  # a key of _name_place_key: an equality, or communes
    return values


def _prefix_values(name: str, text: str) -> dict[str, str]:
    """A prefix as values of a walk (`_with_prefix`): the pattern of a LIKE on PostgreSQL, a range on SQLite
    (`_starts_with` says why). Normalised text has no `%` nor `_`, and its last character can be bumped."""
    if connection.vendor == "postgresql":
        return {name: f"{text}%"}
    low, high = prefix_range(text)
    return {f"{name}_from": low, f"{name}_to": high}


def _with_prefix(queryset: QuerySet[Any], field: str, name: str, values: dict[str, str]) -> QuerySet[Any]:
    if name in values:
        return queryset.filter(Like(F(field), values[name]))
    if f"{name}_from" in values:
        return queryset.filter(**{f"{field}__gte": values[f"{name}_from"], f"{field}__lt": values[f"{name}_to"]})
    return queryset


def _people_walk(*, profession: str, exclude: int | None = None, **prefixes: str) -> QuerySet[Any]:
    """(names, id) of the active people of a profession and a name, in name order: directory_pro_active_idx."""
    people = Professional.objects.filter(profession_code=profession, is_active=True)
    people = _with_prefix(people, "search_first_name", "first", prefixes)
    if exclude is not None:
        people = people.exclude(pk=exclude)
    return _with_prefix(people, "search_last_name", "last", prefixes).order_by(*PERSON_ORDER).values_list(*PERSON_ORDER)


def _places_walk(*, profession: str | None = None, exclude: int | None = None, **terms: Any) -> QuerySet[Any]:
    """(names, professional) of the active people of a name having a place there, in name order: an index walk of
    directory_plc_*_nm_idx, the place as equalities leading it (`_name_place_key`); all professions when none."""
    places = PracticePlace.objects.filter(is_active=True)
    if profession is not None:
        places = places.filter(profession_code=profession)
    places = _with_prefix(places, "search_first_name", "first", terms)
    if exclude is not None:
        places = places.exclude(professional_id=exclude)
    places = _with_prefix(places, "search_last_name", "last", terms)
    place = {field: value for field, value in terms.items() if field in _PLACE_KEYS}
    return places.filter(**place).order_by(*NAME_ORDER).values_list(*NAME_ORDER).distinct()


_PLACE_KEYS = ("postal_code", "department_code", "search_commune", "search_commune__in")  # _name_place_key's


# The walks of a name alone and of a name and a place: compiled once per kind of search (core/prepared.py), where
# each search built and compiled its own. Run where nothing is prepared: planned for their values (SearchResults).
_PEOPLE_WALK = Prepared(Professional, _people_walk)
_PLACES_WALK = Prepared(PracticePlace, _places_walk)


class _NameWalk:
    """The people of a name (and a place) in name order, from one index walk (`walk` with `values`) giving them as
    (last name, first name, id). The count is that walk stopping at RESULTS_LIMIT + 1, in the statement that reads
    the first PEEK people; a page within them is cut from them, with no other query."""

    def __init__(self, walk: Prepared[Any], values: dict[str, Any]):
        self.walk, self.values = walk, values
        self.rows: list[Any] | None = None  # the first PEEK people in name order, read by the count
        self.complete = False  # whether those rows are all the results

    def count(self) -> int:
        # One statement: the walk up to the limit, counted, of which the first PEEK rows are read.
        try:
            sql, params = self.walk.sql_with_params(stop=RESULTS_LIMIT + 1, **self.values)
        except EmptyResultSet:  # a place prefix of no commune
            self.rows, self.complete = [], True
            return 0
        with connection.cursor() as cursor:
            # The text is the ORM's compiled walk; the searched terms stay bound parameters.
            cursor.execute(
                f"SELECT *, COUNT(*) OVER () FROM ({sql}) AS walked ORDER BY 1, 2, 3 LIMIT {int(PEEK)}",  # noqa: S608  # nosec B608
                params,
            )
            rows = cursor.fetchall()
        self.rows = [tuple(row[:3]) for row in rows]
        counted = int(rows[0][3]) if rows else 0
        self.complete = counted == len(self.rows) and counted <= RESULTS_LIMIT
        return counted

    def page(self, start: int, stop: int) -> list[int]:
        rows: Any = self.rows
        if rows is None or (not self.complete and stop > len(rows)):
            rows = list(self.walk.rows(**self.values)[:stop])
        return [row[2] for row in rows[start:stop]]


def _communes(where: dict[str, Any], most: int | None = None) -> list[str] | None:
    """The communes of active places starting with the prefix, or None when there are more than `most`
    (MAX_COMMUNES by default). One statement on both databases: a recursive query probes the index once per commune
    (a loose index scan)."""
    most = MAX_COMMUNES if most is None else most
    low, high = prefix_range(where.get("search_commune__startswith") or where["search_commune__gte"])
    table = PracticePlace._meta.db_table
    # Searches of active people only (the partial directory_plc_commune_nm_idx).
    step = f"(SELECT search_commune FROM {table} WHERE is_active AND search_commune {{}} ORDER BY 1 LIMIT 1)"  # noqa: S608
    sql = (
        f"WITH RECURSIVE found(commune, n) AS (SELECT {step.format('>= %s AND search_commune < %s')}, 1 UNION ALL "  # noqa: S608
        f"SELECT {step.format('> found.commune AND search_commune < %s')}, n + 1 FROM found "
        "WHERE commune IS NOT NULL AND n <= %s) SELECT commune FROM found WHERE commune IS NOT NULL ORDER BY n"
    )  # our table and column names; the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, high, high, most])
        communes = [row[0] for row in cursor.fetchall()]
    return communes if len(communes) <= most else None


def _walk(by_place: QuerySet[Any], key: dict[str, Any], stop: int) -> QuerySet[Any]:
    """(names, professional) of the first `stop` people having a place `key`, in name order: an index walk of
    directory_plc_*_nm_idx; a person with several places there is one row (DISTINCT on the index order)."""
    return by_place.filter(**key).order_by(*NAME_ORDER).values_list(*NAME_ORDER).distinct()[:stop]


def _walks(by_place: QuerySet[Any], keys: list[dict[str, Any]], stop: int) -> tuple[str, list[Any]]:
    """The walks of several communes as one statement: UNION ALL of the index walks, each stopping at `stop`
    (one round trip instead of one per commune). The walk is compiled once, each commune bound as its parameter
    (normalised text is [a-z0-9 ]: the marker cannot be a commune)."""
    marker = "<commune>"
    sql, params = _walk(by_place, {"search_commune": marker}, stop).query.sql_with_params()
    at = params.index(marker)
    parts, statement_params = [], []
    for number, key in enumerate(keys):
        parts.append(f"SELECT * FROM ({sql}) AS walk{number}")  # noqa: S608 (our SQL, its values are parameters)
        statement_params += [*params[:at], key["search_commune"], *params[at + 1 :]]
    return " UNION ALL ".join(parts), statement_params


def _page_by_keys(by_place: QuerySet[Any], keys: list[dict[str, Any]], start: int, stop: int) -> list[int]:
    if len(keys) <= 1:
        rows = list(_walk(by_place, keys[0], stop)) if keys else []
    else:
        # Several communes: each walked up to the end of the page, merged in name order (normalised text is
        # [a-z0-9 ]: Python's order is the byte order of the index); a person in two of the communes once.
        sql, params = _walks(by_place, keys, stop)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = sorted({tuple(row) for row in cursor.fetchall()})
    return [row[2] for row in rows[start:stop]]


def _count_by_keys(by_place: QuerySet[Any], keys: list[dict[str, Any]]) -> int:
    if len(keys) <= 1:
        return _walk(by_place, keys[0], RESULTS_LIMIT + 1).count() if keys else 0  # index only, stops at the limit
    sql, params = _walks(by_place, keys, RESULTS_LIMIT + 1)
    with connection.cursor() as cursor:
        # The text is the ORM's compiled walks (_walks); the searched terms stay bound parameters.
        cursor.execute(f"SELECT COUNT(DISTINCT professional_id) FROM ({sql}) AS walked", params)  # noqa: S608  # nosec B608
        counted: int = min(cursor.fetchone()[0], RESULTS_LIMIT + 1)
        return counted


_OPERATORS = {"": "=", "gte": ">=", "lt": "<", "startswith": "LIKE"}


def _conditions(alias: str, filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
    sql, params = [], []
    for key, value in filters.items():
        field, _, lookup = key.partition("__")
        sql.append(f"{alias}.{field} {_OPERATORS[lookup]} %s")
        params.append(f"{value}%" if lookup == "startswith" else value)  # normalised text: no % nor _ in it
    return sql, params


def _count_by_places(place_where: dict[str, Any], person_filters: dict[str, Any]) -> int:
    """People (up to the limit) having a place that matches, starting from the places index. CROSS JOIN fixes that
    join order on SQLite (whose planner would walk the whole profession instead); PostgreSQL plans it as a join."""
    place_sql, place_params = _conditions("pl", place_where)
    if person_filters.get("is_active"):
        place_sql.append("pl.is_active")  # bare, as in the partial indexes: SQLite then uses them
    person_sql, person_params = _conditions("p", person_filters)
    sql = (
        f"SELECT COUNT(*) FROM (SELECT DISTINCT pl.professional_id FROM {PracticePlace._meta.db_table} pl "  # noqa: S608
        f"CROSS JOIN {Professional._meta.db_table} p WHERE p.id = pl.professional_id AND "
        f"{' AND '.join(place_sql + person_sql)} LIMIT {RESULTS_LIMIT + 1}) AS counted"
    )  # our column names; the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, place_params + person_params)
        counted: int = cursor.fetchone()[0]
        return counted


def selectable_doctor(pk: str | int) -> Professional | None:
    """A doctor who may be chosen for a new delegation: active in the directory, médecin. None otherwise."""
    return Professional.objects.filter(pk=pk, is_active=True, profession_code=DOCTOR_PROFESSION_CODE).first()
