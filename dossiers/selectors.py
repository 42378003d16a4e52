"""Every read of dossiers goes through a queryset filtered to the actor's current principal. The latest changes of a
page of Mes dossiers are read by the ids that filtered list gave, and kept for the principal's dossiers only
(`last_changes`)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import Http404

from core.lookups import Among
from core.prepared import Prepared, PreparedRows
from core.text import normalize
from delegations.authz import Decision, DossierAction, decide
from journal.models import DOSSIER_CHANGES, Entry

from .models import Dossier, display_name

if TYPE_CHECKING:
    from accounts.actor import Actor


def _of_principal(decision: Decision) -> QuerySet[Dossier]:
    """The one filter: the dossiers of the doctor the decision says the actor acts for, or none."""
    if not decision.allowed or decision.principal is None:
        return Dossier.objects.none()
    return _of_doctor(decision.principal.pk)


def _of_doctor(principal_id: int) -> QuerySet[Dossier]:
    return Dossier.objects.filter(medecin_traitant=principal_id)


def dossiers_for(actor: "Actor | None", action: DossierAction = DossierAction.VIEW) -> QuerySet[Dossier]:
    """The dossiers the actor may do `action` on: those of the doctor he acts for, or none."""
    return _of_principal(decide(actor, action))


def _one_of_principal(*, principal_id: int, number: str) -> QuerySet[Dossier]:
    return _of_doctor(principal_id).filter(number=number).select_related("patient", "validated_by").order_by("pk")[:1]


# Read by every page of a dossier: compiled once (core/prepared.py).
_ONE_OF_PRINCIPAL = Prepared(Dossier, _one_of_principal)


def get_dossier(
    actor: "Actor | None", number: str, action: DossierAction = DossierAction.VIEW
) -> tuple[Dossier, Decision]:
    """The dossier if the actor may do `action` on it, else 404 (never tell it exists)."""
    decision = decide(actor, action)
    if not decision.allowed or decision.principal is None:
        raise Http404
    dossier = _ONE_OF_PRINCIPAL.first(principal_id=decision.principal.pk, number=number)
    if dossier is None:
        raise Http404
    # The filter made the principal the médecin traitant: no need to read him again (a page's hot path).
    dossier.medecin_traitant = decision.principal
    return dossier, decision


def search_dossiers(
    actor: "Actor | None", *, query: str = "", status: str = ""
) -> "QuerySet[Dossier, tuple[Any, ...]] | PreparedRows":
    """The actor's dossiers as rows for `listed`, latest changed first, sliced and counted as a queryset. Without
    searched words (the list as it opens, or by status) the SQL is compiled once; searched words change its text
    (core/prepared.py)."""
    decision = decide(actor, DossierAction.VIEW)
    if not decision.allowed or decision.principal is None:
        return _of_principal(decision).values_list(*_LISTED_COLUMNS)  # none
    values: dict[str, Any] = {"principal_id": decision.principal.pk}
    if status:
        values["status"] = status
    words = tuple(normalize(query).split())
    return _LISTED.queryset(**values, words=words) if words else _LISTED.rows(**values)


def _listed(*, principal_id: int, status: str | None = None, words: tuple[str, ...] = ()) -> QuerySet[Dossier]:
    """As Mes dossiers lists them: with the patient, latest changed first (the latest change: `last_changes`)."""
    dossiers = _of_doctor(principal_id)
    if status is not None:
        dossiers = dossiers.filter(status=status)
    for word in words:
        dossiers = dossiers.filter(patient__search_name__contains=word)
    return dossiers.order_by("-updated_at", "-id")


# What a row of Mes dossiers shows, read as values: not the volets (texts, JSON), nor a model instance per dossier
# and patient (most of what reading the page cost).
_LISTED_COLUMNS = (
    *("pk", "number", "dossier_type", "status", "updated_at"),
    *("patient__first_name", "patient__birth_name", "patient__usage_name", "patient__birth_date"),
)


@dataclass(slots=True)
class ListedDossier:
    """A row of Mes dossiers, as its values from `_LISTED_COLUMNS` give it."""

    pk: int
    number: str
    dossier_type: str
    status: str
    updated_at: datetime.datetime
    patient_name: str
    birth_date: datetime.date
    changed_by: str = ""  # « par Sophie BERNARD pour vous »: the view says it, as the reader is concerned

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> "ListedDossier":
        pk, number, dossier_type, status, updated_at, first_name, birth_name, usage_name, birth_date = row
        name = display_name(first_name=first_name, birth_name=birth_name, usage_name=usage_name)
        return cls(pk, number, dossier_type, status, updated_at, name, birth_date)


def listed(rows: Iterable[tuple[Any, ...]]) -> list[ListedDossier]:
    """The rows of a page of `search_dossiers`."""
    return [ListedDossier.of(row) for row in rows]


# The entry of a dossier's latest change (« Dernière modification »: who): every change sets `updated_at` just before
# journaling; the partial index journal_dossier_changes holds the changes only, so the walk reads one entry however
# often the dossier was consulted since.
_last_change = (
    # The actions written in the SQL (core/lookups.py): the partial index then serves the generic plan too.
    Entry.objects.filter(
        Among(F("action"), DOSSIER_CHANGES), dossier_id=OuterRef("pk"), created_at__gte=OuterRef("updated_at")
    )
    .order_by("-created_at", "-id")
    .values("pk")[:1]
)


# Without searched words: a status given or not is a statement of its own (a value left out). Counted without the
# patient's columns (core/prepared.py).
_LISTED = Prepared(Dossier, _listed, columns=_LISTED_COLUMNS)


class LastChange(NamedTuple):
    """Who made a dossier's latest change: all the list shows of it (« par Sophie BERNARD pour vous »)."""

    actor_id: int | None
    actor_name: str
    is_delegated: bool


def _latest_changes(*, dossier_ids: list[int]) -> QuerySet[Entry, tuple[Any, ...]]:
    # For the page's dossiers only: in the list's own query, the count of the list would walk it for every dossier.
    # With the doctor of each dossier, checked by last_changes: a condition on the doctor in the query led
    # PostgreSQL's generic plan to walk all his dossiers (or all their entries) to keep the page's 20.
    latest = Dossier.objects.filter(pk__in=dossier_ids).annotate(latest=Subquery(_last_change)).values("latest")
    return (
        Entry.objects.filter(pk__in=latest)
        .order_by()
        .values_list("dossier_id", "actor_id", "actor_name", "is_delegated", "dossier__medecin_traitant_id")
    )


_CHANGES = Prepared(Entry, _latest_changes)


def last_changes(principal_id: int, dossiers: Iterable[ListedDossier]) -> dict[int, LastChange]:
    """The latest change of each dossier of a page of `search_dossiers` (the principal's), by dossier, in one query.
    Of the principal's dossiers only, whatever it is given."""
    ids = [d.pk for d in dossiers]
    rows = _CHANGES.fetch(dossier_ids=ids) if ids else []
    return {row[0]: LastChange(*row[1:4]) for row in rows if row[4] == principal_id}


def possible_duplicates(
    actor: "Actor | None", *, birth_name: str, first_name: str, birth_date: datetime.date, sex: str
) -> list[Dossier]:
    """Dossiers the actor can open whose patient has the same nom, prénom, date of birth and sex."""
    candidates = dossiers_for(actor).select_related("patient").filter(patient__birth_date=birth_date, patient__sex=sex)
    key = (normalize(birth_name), normalize(first_name))
    return [
        d
        for d in candidates
        if key
        in {
            (normalize(d.patient.birth_name), normalize(d.patient.first_name)),
            (normalize(d.patient.usage_name), normalize(d.patient.first_name)),
        }
    ]
