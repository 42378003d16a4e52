"""« Actions faites en mon nom »: the journal entries in which someone acted on the doctor's behalf, filtered.

Every read starts from `journal.selectors.entries_in_name_of` for the doctor `delegations.authz.may_oversee` gives
(none for anybody else); the filters narrow it, never replace it.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db.models import F, QuerySet
from django.utils import timezone

from core.lookups import Among
from core.prepared import Prepared, PreparedRows
from core.text import normalize
from delegations.authz import may_oversee
from dossiers.changes import readable_changes
from dossiers.models import Dossier, display_name
from journal.models import SENTENCE_COLUMNS, Action, Entry, sentence_of
from journal.selectors import ACTION_GROUPS, entries_in_name_of

from .models import Preferences

if TYPE_CHECKING:
    from accounts.actor import Actor
    from directory.models import Professional


@dataclass(frozen=True)
class ActionFilters:
    delegate_id: int | None = None
    group: str = ""  # a key of journal.selectors.ACTION_GROUPS
    since: datetime.date | None = None
    until: datetime.date | None = None
    patient: str = ""
    hide_views: bool = True
    # What the filters say, in French, for the attestation and the export's journal entry.
    described: list[str] = field(default_factory=list, compare=False)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight of that day in the platform's time zone (Europe/Paris), where the doctor lives."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _actions(
    *,
    doctor_id: int,
    user_id: int,
    delegate_id: int | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    shape: tuple[str, bool, tuple[str, ...]],
) -> QuerySet[Entry]:
    """The entries in the doctor's name, filtered; `shape` is (action group, consultations hidden, patient words)."""
    group, hide_views, words = shape
    entries = entries_in_name_of(doctor_id, user_id)
    if delegate_id is not None:
        entries = entries.filter(actor_id=delegate_id)
    if group in ACTION_GROUPS:
        # Written in the SQL (core/lookups.py): journal_delegated_views or journal_principal_actions serves
        # any plan.
        entries = entries.filter(Among(F("action"), ACTION_GROUPS[group][1]))
    if group == "consultation":
        # Someone else's consultation in the doctor's name is a delegate's (dossiers.services.record_consultation
        # journals the decision's `is_delegated`, and the chain seals it): said, so that the partial index
        # journal_delegated_views, without the doctor's own consultations, serves the list.
        entries = entries.filter(is_delegated=True)
    if hide_views and group != "consultation":
        # Written in the SQL (core/lookups.py): the partial index journal_principal_actions serves any plan.
        entries = entries.exclude(Among(F("action"), [Action.DOSSIER_VIEWED]))
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    if words:
        dossiers = Dossier.objects.filter(medecin_traitant=doctor_id)
        for word in words:
            dossiers = dossiers.filter(patient__search_name__contains=word)
        entries = entries.filter(dossier__in=dossiers.values("pk"))
    return entries.select_related("dossier__patient")


# What a card of the list shows (oversight/jinja2/oversight/_actions_rows.html), read as values: not the chain's
# hashes, nor the dossier's volets (long texts, a JSON document) read for its number, nor a model instance per entry,
# dossier and patient (most of what the list cost).
_CARD_COLUMNS = (
    *SENTENCE_COLUMNS,
    *("created_at", "card_type", "delegation_id", "detail", "changes", "dossier__number"),
    *("dossier__patient__first_name", "dossier__patient__birth_name", "dossier__patient__usage_name"),
)


@dataclass(frozen=True, slots=True)
class ActionCard:
    """One card of « Actions faites en mon nom », as its row of `_CARD_COLUMNS` gives it."""

    created_at: datetime.datetime
    card_type: str
    sentence: str
    detail: str
    changes: list[dict[str, str]]  # dossiers.changes.readable_changes
    delegation_id: int | None
    dossier_number: str | None
    patient_name: str

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> "ActionCard":
        created_at, card_type, delegation_id, detail, changes, number, first_name, birth_name, usage_name = row[
            len(SENTENCE_COLUMNS) :
        ]
        patient = display_name(first_name=first_name, birth_name=birth_name, usage_name=usage_name) if number else ""
        return cls(
            created_at=created_at,
            card_type=card_type,
            sentence=sentence_of(row),
            detail=detail,
            changes=readable_changes(changes),
            delegation_id=delegation_id,
            dossier_number=number,
            patient_name=patient,
        )


def cards(rows: Iterable[tuple[Any, ...]]) -> list[ActionCard]:
    """The cards of a page of `actions_page`."""
    return [ActionCard.of(row) for row in rows]


# The list as the doctor pages through it: compiled once per choice of filters (core/prepared.py).
# Counted without the dossier's and patient's columns (core/prepared.py).
_ACTIONS = Prepared(Entry, _actions, columns=_CARD_COLUMNS)


def _actions_values(actor: "Actor | None", filters: ActionFilters) -> dict[str, Any] | None:
    """`_actions`' arguments for the actor's own entries (None unless may_oversee)."""
    decision = may_oversee(actor)
    if not decision.allowed:
        return None
    values: dict[str, Any] = {
        "doctor_id": cast("Professional", decision.principal).pk,
        "user_id": cast("Actor", actor).user.pk,
        "shape": (filters.group, filters.hide_views, tuple(normalize(filters.patient).split())),
    }
    if filters.delegate_id is not None:
        values["delegate_id"] = filters.delegate_id
    if filters.since is not None:
        values["since"] = _start_of(filters.since)
    if filters.until is not None:
        values["until"] = _start_of(filters.until + datetime.timedelta(days=1))
    return values


def actions_in_name_of(actor: "Actor | None", filters: ActionFilters = ActionFilters()) -> QuerySet[Entry]:
    """The entries on the actor's own behalf (empty unless may_oversee), the filters applied on top, newest first."""
    values = _actions_values(actor, filters)
    return Entry.objects.none() if values is None else _actions(**values)


def actions_page(
    actor: "Actor | None", filters: ActionFilters = ActionFilters()
) -> "QuerySet[Entry, tuple] | PreparedRows":
    """What actions_in_name_of finds, as rows for `cards`, to page through: its SQL compiled once, unless patient
    words change it."""
    values = _actions_values(actor, filters)
    if values is None:
        return Entry.objects.none().values_list(*_CARD_COLUMNS)
    return _ACTIONS.queryset(**values) if values["shape"][2] else _ACTIONS.rows(**values)


# « Depuis votre dernière connexion »: what changed dossiers (consultations and delegation events aside), counted
# over the latest PANEL_LIMIT entries at most, so that the panel costs the same after a week or a year away.
PANEL_GROUPS = {
    "creation": ("création", "créations"),
    "modification": ("modification", "modifications"),
    "validation": ("validation", "validations"),
    "envoi": ("envoi", "envois"),
    "archivage": ("archivage", "archivages"),
}
PANEL_LIMIT = 1000
_GROUP_OF: dict[str, str] = {action.value: group for group in PANEL_GROUPS for action in ACTION_GROUPS[group][1]}


@dataclass(frozen=True)
class DelegateSummary:
    delegate_id: int
    name: str
    summary: str


@dataclass(frozen=True)
class SinceLastLogin:
    since: datetime.datetime
    delegates: list[DelegateSummary]
    more: bool  # over PANEL_LIMIT actions: the counts are those of the latest ones


def _plural(count: int, words: tuple[str, str]) -> str:
    return f"{count} {words[0] if count == 1 else words[1]}"


def _panel(*, doctor_id, user_id=None, since, until=None) -> QuerySet[Entry, Any]:
    entries = entries_in_name_of(doctor_id, user_id).filter(
        created_at__gte=since, action__in=list(_GROUP_OF), actor_id__isnull=False
    )
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries.values_list("actor_id", "actor_name", "action", "dossier_id")[: PANEL_LIMIT + 1]


# Read on every opening of Mes dossiers: compiled once (core/prepared.py).
_PANEL = Prepared(Entry, _panel)
_PREVIOUS_LOGIN = Prepared(
    Preferences,
    lambda *, user_id: (
        Preferences.objects.filter(user_id=user_id).values_list("previous_login_at", flat=True).order_by("pk")[:1]
    ),
)


def summaries(
    doctor_id: int, user_id: int | None, since: datetime.datetime, until: datetime.datetime | None = None
) -> tuple[list[DelegateSummary], bool]:
    """By delegate, what changed his dossiers in his name in [since, until), over the latest PANEL_LIMIT entries at
    most (the caller decided the doctor reads his own); and whether there were more."""
    # A value left out (None) is another statement: `_panel`'s default, not a bound parameter.
    values: dict[str, Any] = {"doctor_id": doctor_id, "since": since, "user_id": user_id, "until": until}
    rows = _PANEL.fetch(**{name: value for name, value in values.items() if value is not None})
    by_delegate: dict[int, dict[str, Any]] = {}
    for actor_id, name, action, dossier_id in rows[:PANEL_LIMIT]:
        seen = by_delegate.setdefault(actor_id, {"name": name, "counts": Counter(), "dossiers": set()})
        seen["counts"][_GROUP_OF[action]] += 1
        seen["dossiers"].add(dossier_id)
    delegates = []
    for delegate_id, seen in by_delegate.items():
        counts = ", ".join(_plural(seen["counts"][g], PANEL_GROUPS[g]) for g in PANEL_GROUPS if seen["counts"][g])
        dossiers = _plural(len(seen["dossiers"]), ("dossier", "dossiers"))
        delegates.append(DelegateSummary(delegate_id, seen["name"], f"{counts} sur {dossiers}"))
    delegates.sort(key=lambda d: d.name.lower())
    return delegates, len(rows) > PANEL_LIMIT


def since_last_login(actor: "Actor | None") -> SinceLastLogin | None:
    """What the doctor's delegates did on his dossiers since his previous login, by delegate; None for anybody but
    a doctor in his own space, before his second login, or when nothing happened."""
    decision = may_oversee(actor)
    if not decision.allowed:
        return None
    user_id = cast(int, cast("Actor", actor).user.pk)
    since = _PREVIOUS_LOGIN.first(user_id=user_id)
    if since is None:
        return None
    delegates, more = summaries(cast("Professional", decision.principal).pk, user_id, since)
    return SinceLastLogin(since=since, delegates=delegates, more=more) if delegates else None
