"""Reads of the directory: the one search service, used by the `Annuaire` page and the colleague delegation flow."""

import re

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from core.text import normalize

from .models import DOCTOR_PROFESSION_CODE, PracticePlace, Professional

POSTAL_CODE = re.compile(r"^\d{5}$")
DEPARTMENT = re.compile(r"^(\d{2,3}|2[ab])$", re.IGNORECASE)


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds of the strings starting with `prefix`: `>= low AND < high` is a btree range scan on both databases
    (byte order: BINARY on SQLite, "C" collation on PostgreSQL). Normalised text is [a-z0-9 ] only, so bumping
    the last character is exact."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(field: str, text: str) -> dict:
    low, high = prefix_range(text)
    return {f"{field}__gte": low, f"{field}__lt": high}


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
    queryset = Professional.objects.all()
    if profession_code:
        queryset = queryset.filter(profession_code=profession_code)
    if active_only:
        queryset = queryset.filter(is_active=True)
    if last := normalize(name):
        queryset = queryset.filter(**_starts_with("search_last_name", last))
    if first := normalize(first_name):
        queryset = queryset.filter(**_starts_with("search_first_name", first))
    if place and (where := place_filter(place)):
        queryset = queryset.filter(Exists(PracticePlace.objects.filter(professional=OuterRef("pk"), **where)))
    return queryset.order_by("search_last_name", "search_first_name", "id").prefetch_related(
        Prefetch("places", queryset=PracticePlace.objects.order_by("id"))
    )


def selectable_doctor(pk) -> Professional | None:
    """A doctor who may be chosen for a new delegation: active in the directory, médecin. None otherwise."""
    return Professional.objects.filter(pk=pk, is_active=True, profession_code=DOCTOR_PROFESSION_CODE).first()
