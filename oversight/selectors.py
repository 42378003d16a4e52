"""« Actions faites en mon nom »: the journal entries in which someone acted on the doctor's behalf, filtered.

Every read starts from `journal.selectors.entries_in_name_of` for the doctor `delegations.authz.may_oversee` gives
(none for anybody else); the filters narrow it, never replace it.
"""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.db.models import QuerySet
from django.utils import timezone

from core.text import normalize
from delegations.authz import may_oversee
from dossiers.models import Dossier
from journal.models import Action, Entry
from journal.selectors import ACTION_GROUPS, entries_in_name_of

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


def actions_in_name_of(actor: "Actor | None", filters: ActionFilters = ActionFilters()) -> QuerySet[Entry]:
    """The entries on the actor's own behalf (empty unless may_oversee), the filters applied on top, newest first."""
    decision = may_oversee(actor)
    if not decision.allowed:
        return Entry.objects.none()
    doctor = cast("Professional", decision.principal)
    entries = entries_in_name_of(doctor.pk, cast("Actor", actor).user.pk)
    if filters.delegate_id is not None:
        entries = entries.filter(actor_id=filters.delegate_id)
    if filters.group in ACTION_GROUPS:
        entries = entries.filter(action__in=ACTION_GROUPS[filters.group][1])
    if filters.hide_views and filters.group != "consultation":
        entries = entries.exclude(action=Action.DOSSIER_VIEWED)
    if filters.since is not None:
        entries = entries.filter(created_at__gte=_start_of(filters.since))
    if filters.until is not None:
        entries = entries.filter(created_at__lt=_start_of(filters.until + datetime.timedelta(days=1)))
    words = normalize(filters.patient).split()
    if words:
        dossiers = Dossier.objects.filter(medecin_traitant=doctor)
        for word in words:
            dossiers = dossiers.filter(patient__search_name__contains=word)
        entries = entries.filter(dossier__in=dossiers.values("pk"))
    return entries.select_related("dossier__patient")
