"""The operators' read-only FHIR endpoint: `GET <ADMIN_URL>fhir/AuditEvent?date=ge…&agent=…&_count=…`.

Under the admin's address, so that the reverse proxy rules that keep the admin off the Internet keep this off too;
open only to a session opened by the admin's login (the same `has_permission`). Pages follow the chain by sequence
(`_after`, in the `next` link): a page costs the same at the start or at the end of the journal.
"""

import datetime
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors
from .fhir import audit_event, system

DEFAULT_COUNT, MAX_COUNT = 50, 500
CONTENT_TYPE = "application/fhir+json; charset=utf-8"


class BadSearch(ValueError):
    """A search parameter we cannot read: the French message says what to write."""


def _fhir(document: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(document, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)


def _outcome(status: int, code: str, text: str) -> HttpResponse:
    issue = {"severity": "error", "code": code, "diagnostics": text}
    return _fhir({"resourceType": "OperationOutcome", "issue": [issue]}, status)


def _dates(values: list[str]) -> list[tuple[str, datetime.datetime]]:
    """`ge2026-01-31`, `lt2026-02-01T08:00:00+01:00`…: a day is read as FHIR reads a date's precision, the whole day
    (« gt » and « le » a day are « ge » and « lt » the next day's start)."""
    dates = []
    for value in values:
        prefix, text = value[:2], value[2:]
        if prefix not in selectors.DATE_LOOKUPS:
            raise BadSearch(f"Date « {value} » : commencez par ge, gt, le ou lt, par exemple date=ge2026-01-31.")
        try:
            if len(text) == 10:
                day = datetime.date.fromisoformat(text)
                if prefix in ("gt", "le"):
                    day, prefix = day + datetime.timedelta(days=1), "ge" if prefix == "gt" else "lt"
                instant = selectors.start_of(day)
            else:
                instant = datetime.datetime.fromisoformat(text)
                instant = instant if timezone.is_aware(instant) else timezone.make_aware(instant)
        except ValueError:
            raise BadSearch(f"Date « {text} » illisible : écrivez par exemple date=ge2026-01-31.") from None
        dates.append((prefix, instant))
    return dates


def _count(value: str | None) -> int:
    if value is None:
        return DEFAULT_COUNT
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise BadSearch(f"_count doit être un nombre de 1 à {MAX_COUNT}.")
    return int(value)


@require_GET
def audit_events(request: HttpRequest) -> HttpResponse:
    if not admin.site.has_permission(request):
        return _outcome(403, "forbidden", "Réservé aux opérateurs : connectez-vous d'abord à la gestion.")
    unknown = set(request.GET) - {"date", "agent", "_count", "_after", "_format"}
    try:
        if unknown:
            raise BadSearch(
                f"Paramètre(s) non pris en charge : {', '.join(sorted(unknown))}. Utilisez date, agent, _count."
            )
        dates = _dates(request.GET.getlist("date"))
        agent_value = request.GET.get("agent")
        agent = None
        if agent_value:
            agent_system, _, value = agent_value.rpartition("|")
            agent = (agent_system, value)
        after_text = request.GET.get("_after", "0")
        if not after_text.isdigit():
            raise BadSearch("_after doit être un numéro d'ordre du journal.")
        count = _count(request.GET.get("_count"))
    except BadSearch as error:
        return _outcome(400, "invalid", str(error))
    entries = selectors.search(dates=dates, agent=agent, after=int(after_text), count=count)
    base = request.build_absolute_uri(request.path)
    query = [(name, value) for name, values in request.GET.lists() if name != "_after" for value in values]
    links = [{"relation": "self", "url": f"{base}?{urlencode([*query, ('_after', after_text)])}"}]
    if len(entries) == count:
        links.append({"relation": "next", "url": f"{base}?{urlencode([*query, ('_after', entries[-1].sequence)])}"})
    events = [audit_event(entry) for entry in entries]
    return _fhir(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": timezone.now().astimezone(datetime.UTC).isoformat(),
            "link": links,
            "entry": [
                {"fullUrl": f"{system('AuditEvent')}/{event['id']}", "resource": event, "search": {"mode": "match"}}
                for event in events
            ],
        }
    )
