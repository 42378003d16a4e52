"""« Actions faites en mon nom » and what the doctor takes away from it. Thin: selectors read, services journal."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.pagination import paginate
from delegations.authz import may_oversee
from delegations.selectors import delegates_of
from dossiers.changes import readable_changes

from . import selectors, services
from .exports import CHUNK, csv_lines
from .forms import ActionFilterForm


def _doctor_or_404(request):
    decision = may_oversee(request.actor)
    if not decision.allowed:
        raise Http404
    return decision.principal


def _filtered(request):
    doctor = _doctor_or_404(request)
    form = ActionFilterForm(request.GET, delegates=delegates_of(doctor))
    filters = form.filters()
    return doctor, form, filters, selectors.actions_in_name_of(request.actor, filters)


@login_required
def actions(request):
    doctor, form, filters, entries = _filtered(request)
    page = paginate(request, entries, per_page=25, bounded=True)
    rows = [{"entry": entry, "changes": readable_changes(entry.changes)} for entry in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oversight/actions.html",
        {
            "title": "Actions faites en mon nom",
            "nav": "oversight",
            "form": form,
            "page": page,
            "rows": rows,
            "export_query": query.urlencode(),
        },
    )


def _file_name(extension: str) -> str:
    return f"actions-faites-en-mon-nom-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
def export_csv(request):
    _doctor, _form, filters, entries = _filtered(request)
    services.record_export(actor=request.actor, export_format="CSV", described=filters.described)
    # Streamed: the file may hold the whole history, never held in memory.
    response = StreamingHttpResponse(
        (line.encode() for line in csv_lines(entries.iterator(chunk_size=CHUNK))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name("csv")}"'
    return response
