"""The journal's entries the FHIR exports read: by period and doctor (export_audit), by the FHIR search parameters
(the operators' endpoint). Every export reads through `interop.fhir.loaded` (the columns the mapping needs)."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from journal.models import Entry

from .fhir import IDNPS_SYSTEM, loaded, system

RPPS_TYPE = "8"  # directory.models.IdentifierType.RPPS (the directory's identifier type, not imported: a column value)


def entries_between(
    *, since: datetime.date | None = None, until: datetime.date | None = None, doctor_rpps: str = ""
) -> QuerySet[Entry]:
    """Entries from `since` to `until` included (days in the application's time zone), concerning a doctor if given:
    those he made and those made in his name."""
    entries = Entry.objects.all()
    if since is not None:
        entries = entries.filter(created_at__gte=start_of(since))
    if until is not None:
        entries = entries.filter(created_at__lt=start_of(until + datetime.timedelta(days=1)))
    if doctor_rpps:
        entries = entries.filter(
            Q(on_behalf_of__identifier=doctor_rpps, on_behalf_of__id_type=RPPS_TYPE)
            | Q(actor__professional__identifier=doctor_rpps, actor__professional__id_type=RPPS_TYPE)
        )
    return entries


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


DATE_LOOKUPS = {"ge": "gte", "gt": "gt", "le": "lte", "lt": "lt"}


def search(
    *, dates: list[tuple[str, datetime.datetime]], agent: tuple[str, str] | None, after: int, count: int
) -> list[Entry]:
    """A page of the FHIR search: entries after sequence `after`, in the chain's order. `dates`: (ge|gt|le|lt,
    instant); `agent`: (system, value) of the person who acted or in whose name, an empty system for any."""
    entries = Entry.objects.filter(sequence__gt=after)
    for prefix, instant in dates:
        entries = entries.filter(**{f"created_at__{DATE_LOOKUPS[prefix]}": instant})
    if agent is not None:
        entries = entries.filter(_agent_filter(*agent))
    return list(loaded(entries).order_by("sequence")[:count])


def _agent_filter(agent_system: str, value: str) -> Q:
    national = Q(actor__professional__national_id=value) | Q(on_behalf_of__national_id=value)
    internal = Q(actor_id=int(value)) if value.isdigit() else Q(pk__in=[])
    if agent_system == IDNPS_SYSTEM:
        return national
    if agent_system == system("utilisateur"):
        return internal
    return national | internal if not agent_system else Q(pk__in=[])
