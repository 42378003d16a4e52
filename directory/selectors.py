"""Reads of the directory: the one search service, used by the `Annuaire` page and the colleague delegation flow."""

import re
from functools import partial

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from core.text import normalize

from .models import DOCTOR_PROFESSION_CODE, PracticePlace, Professional

POSTAL_CODE = re.compile(r"^\d{5}$")
RESULTS_LIMIT = 1000  # results counted at most: beyond, the user refines the search
SELECTIVE_PLACE = 2000  # up to this many places, a place-only search starts from the places
DEPARTMENT = re.compile(r"^(\d{2,3}|2[ab])$", re.IGNORECASE)


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds of the strings starting with `prefix`: `>= low AND < high` is a btree range scan on both databases
    (byte order: BINARY on SQLite, "C" collation on PostgreSQL). Normalised text is [a-z0-9 ] only, so bumping
    the last character is exact."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(field: str, text: str) -> dict:
    if connection.vendor == "postgresql":
        # LIKE 'lefev%' on a "C"-collated column: the same btree range, and PostgreSQL estimates a prefix far better
        # than a range (a wrong estimate made it scan a whole town's places for every name found).
        return {f"{field}__startswith": text}
    low, high = prefix_range(text)
    return {f"{field}__gte": low, f"{field}__lt": high}


class SearchResults(QuerySet):
    """Search results whose count stops at RESULTS_LIMIT + 1: a search matching half of Paris costs no more than a
    precise one (the count ignores the order, so the database stops at the limit)."""

    limit = RESULTS_LIMIT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_from = None

    def _clone(self):
        clone = super()._clone()
        clone.count_from = self.count_from
        return clone

    def count(self):
        if self._result_cache is not None or self.query.is_sliced:
            return super().count()
        if self.count_from is not None:
            return self.count_from()
        return super(SearchResults, self.order_by()[: RESULTS_LIMIT + 1]).count()

    @property
    def over_limit(self) -> bool:
        return self.count() > RESULTS_LIMIT


def place_filter(place: str) -> dict:
    """A place term: 5 digits = postal code; "69", "2A", "974" = département; otherwise a commune name prefix."""
    term = place.strip()
    if POSTAL_CODE.match(term):
        return {"postal_code": term}
    if DEPARTMENT.match(term):
        return {"department_code": term.upper()}
    commune = normalize(term)
    return _starts_with("search_commune", commune) if commune else {}


def search_professionals(
    *,
    name: str = "",
    first_name: str = "",
    place: str = "",
    profession_code: str | None = DOCTOR_PROFESSION_CODE,
    active_only: bool = True,
) -> QuerySet[Professional]:
    """Professionals by name prefix (nom d'exercice, optionally prénom) and place of practice, accents, case,
    hyphens and apostrophes ignored; ordered by name, places prefetched. `profession_code=None`: all professions."""
    person_filters = {}
    if profession_code:
        person_filters["profession_code"] = profession_code
    if active_only:
        person_filters["is_active"] = True
    if first := normalize(first_name):
        person_filters.update(_starts_with("search_first_name", first))
    queryset = SearchResults(Professional).filter(**person_filters)
    if last := normalize(name):
        queryset = queryset.filter(**_starts_with("search_last_name", last))
    if place and (where := place_filter(place)):
        places = PracticePlace.objects.filter(**where)
        ids = None if last else list(places.values_list("professional_id", flat=True)[: SELECTIVE_PLACE + 1])
        if ids is not None and len(ids) <= SELECTIVE_PLACE:
            # A small town: start from its places (index), then sort the few people found.
            queryset = queryset.filter(pk__in=ids)
        else:
            # A name, or a big town: walk the people in name order and check their places; the first page
            # comes after a few rows.
            queryset = queryset.filter(Exists(places.filter(professional=OuterRef("pk"))))
            if not last:
                # A big town without a name: counted from its places (index range), not by walking the whole
                # profession. Filters added by the caller afterwards are not in this count (at most one person).
                queryset.count_from = partial(_count_by_places, where, person_filters)
    return queryset.order_by("search_last_name", "search_first_name", "id").prefetch_related(
        Prefetch("places", queryset=PracticePlace.objects.order_by("id"))
    )


_OPERATORS = {"": "=", "gte": ">=", "lt": "<", "startswith": "LIKE"}


def _conditions(alias: str, filters: dict) -> tuple[list[str], list]:
    sql, params = [], []
    for key, value in filters.items():
        field, _, lookup = key.partition("__")
        sql.append(f"{alias}.{field} {_OPERATORS[lookup]} %s")
        params.append(f"{value}%" if lookup == "startswith" else value)  # normalised text: no % nor _ in it
    return sql, params


def _count_by_places(place_where: dict, person_filters: dict) -> int:
    """People (up to the limit) having a place that matches, starting from the places index. CROSS JOIN fixes that
    join order on SQLite (whose planner would walk the whole profession instead); PostgreSQL plans it as a join."""
    place_sql, place_params = _conditions("pl", place_where)
    person_sql, person_params = _conditions("p", person_filters)
    sql = (
        f"SELECT COUNT(*) FROM (SELECT DISTINCT pl.professional_id FROM {PracticePlace._meta.db_table} pl "  # noqa: S608
        f"CROSS JOIN {Professional._meta.db_table} p WHERE p.id = pl.professional_id AND "
        f"{' AND '.join(place_sql + person_sql)} LIMIT {RESULTS_LIMIT + 1}) AS counted"
    )  # our column names; the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, place_params + person_params)
        return cursor.fetchone()[0]


def selectable_doctor(pk) -> Professional | None:
    """A doctor who may be chosen for a new delegation: active in the directory, médecin. None otherwise."""
    return Professional.objects.filter(pk=pk, is_active=True, profession_code=DOCTOR_PROFESSION_CODE).first()
