"""« Actions faites en mon nom » and what the doctor takes away from it. Thin: selectors read, services journal."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.pagination import paginate
from delegations.authz import may_oversee
from delegations.selectors import delegates_of
from dossiers.changes import readable_changes
from interop.export import bundle
from journal.checkpoints import latest_signed
from journal.verify import current_head

from . import attestation, selectors, services
from .exports import CHUNK, csv_lines
from .forms import ActionFilterForm, PreferencesForm
from .mails import preferences_of


def _doctor_or_404(request):
    decision = may_oversee(request.actor)
    if not decision.allowed:
        raise Http404
    return decision.principal


def _filter_form(request):
    doctor = _doctor_or_404(request)
    return doctor, ActionFilterForm(request.GET, delegates=delegates_of(doctor))


def _filtered(request):
    doctor, form = _filter_form(request)
    filters = form.filters()
    return doctor, form, filters, selectors.actions_in_name_of(request.actor, filters)


@login_required
def actions(request):
    _doctor, form = _filter_form(request)
    page = paginate(request, selectors.actions_page(request.actor, form.filters()), per_page=25, bounded=True)
    rows = selectors.cards(page)
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


def _too_many(request, limit: str):
    """An export bigger than it may be: back to the same filtered list, saying what to do."""
    messages.error(request, f"{limit} : précisez la période ou les filtres, puis recommencez.")
    query = request.GET.urlencode()
    return redirect(reverse("oversight:actions") + (f"?{query}" if query else ""))


def _refuse_fetch(url, *args, **kwargs):
    """The attestation is drawn from its own text only: WeasyPrint fetches nothing (no file, no network)."""
    raise ValueError(f"Ressource refusée : {url}")


@login_required
def export_pdf(request):
    doctor, _form, filters, entries = _filtered(request)
    rows = list(entries[: attestation.MAX_ENTRIES + 1])
    if len(rows) > attestation.MAX_ENTRIES:
        return _too_many(request, f"L'attestation peut citer au plus {attestation.MAX_ENTRIES} actions")
    import weasyprint  # type: ignore[import-untyped]  # no stubs; imported here: its start-up cost is paid by the PDF

    services.record_export(actor=request.actor, export_format="PDF", described=filters.described)
    head, checkpoint = current_head(), latest_signed()
    context = {
        "doctor": doctor,
        "filters": filters,
        "generated_at": timezone.now(),
        "rows": [{"entry": entry, "changes": readable_changes(entry.changes)} for entry in rows],
        "head": head,
        "checkpoint": checkpoint,
        "attachment": attestation.ATTACHMENT,
    }
    content = attestation.document(
        doctor=doctor, filters=filters.described, entries=rows, head=head, checkpoint=checkpoint
    )
    embedded = weasyprint.Attachment(
        string=json.dumps(content, ensure_ascii=False, indent=1).encode(),
        name=attestation.ATTACHMENT,
        description="Entrées du journal citées par l'attestation",
    )
    html = weasyprint.HTML(
        string=render_to_string("oversight/attestation_pdf.html", context), url_fetcher=_refuse_fetch
    )
    response = HttpResponse(html.write_pdf(attachments=[embedded]), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name("pdf")}"'
    return response


# A Bundle is built and validated in memory: the doctor's export is a filtered list, not the whole journal (the
# operator's `export_audit` streams that).
FHIR_MAX_ENTRIES = 2000


@login_required
def export_fhir(request):
    """« FHIR (JSON) »: the filtered list as a FHIR R4 Bundle (collection) of AuditEvents and Provenances."""
    _doctor, _form, filters, entries = _filtered(request)
    if entries[FHIR_MAX_ENTRIES : FHIR_MAX_ENTRIES + 1].exists():
        return _too_many(request, f"L'export FHIR peut contenir au plus {FHIR_MAX_ENTRIES} actions")
    services.record_export(actor=request.actor, export_format="FHIR", described=filters.described)
    response = JsonResponse(bundle(entries), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/fhir+json; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="{_file_name("json")}"'
    return response


@login_required
def preferences(request):
    _doctor_or_404(request)
    current = preferences_of(request.user)
    initial = {name: getattr(current, name) for name in services.MAIL_CHOICES}
    # Every box unticked is an empty POST, still an answer.
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if services.update_preferences(actor=request.actor, **form.cleaned_data):
            messages.success(request, "Vos préférences ont été enregistrées.")
        else:
            messages.info(request, "Aucune modification à enregistrer.")
        return redirect("oversight:preferences")
    return render(request, "oversight/preferences.html", {"title": "Mes préférences", "nav": "oversight", "form": form})
