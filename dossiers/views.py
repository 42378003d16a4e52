"""Thin views: read through selectors, change through services, decide nowhere else than authz."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.pagination import paginate
from core.text import of, whole_number
from delegations.authz import DossierAction, allowed_actions, decide, withdrawal
from journal.selectors import dossier_history

from . import selectors, services
from .context_processors import dossiers_heading
from .forms import DossierFilterForm, MedicalForm, NewDossierForm, drawn_medical_form, medical_rows, typed_back
from .history import HISTORY_COLUMNS, history_rows

HISTORY_ON_DOSSIER_PAGE = 10
# The hidden field of every dossier form (dossiers/_drawn_for.html): the principal the page was drawn for, so that
# a right removed meanwhile is told as such, and a form sent after « Agir au nom de » changed in another tab saves
# nothing for the new principal (delegations.authz.withdrawal).
DRAWN_FOR = "drawn_for"


def _not_saved(request, action, form_class=None):
    """A POST refused because the delegation ended or lost the right since the page was loaded, or the session
    now acts for another principal than the page's (authz says which, and when): a French page instead of a 404,
    with what he just sent, read-only so that he can copy it. Nothing is saved, and nothing of the dossier is shown:
    only his own input. None when this is not the case (the caller refuses as before)."""
    withdrawn = withdrawal(request.actor, action, drawn_for=request.POST.get(DRAWN_FOR, ""))
    if withdrawn is None:
        return None
    return render(
        request,
        "dossiers/not_saved.html",
        {
            "title": "Rien n'a été enregistré",
            "withdrawal": withdrawn,
            "typed": typed_back(form_class, request.POST) if form_class else [],
        },
        status=403,
    )


@login_required
def dossier_list(request):
    decision = decide(request.actor, DossierAction.VIEW)
    if not decision.allowed or decision.principal is None:
        # A card holder with no space of his own (assistant, secretary): explain, don't fail.
        return render(request, "dossiers/no_space.html", {"title": "Mes dossiers", "reason": decision.reason})
    form = DossierFilterForm(request.GET or None)
    query = status = ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    page = paginate(
        request, selectors.search_dossiers(request.actor, query=query, status=status), per_page=20, bounded=True
    )
    rows = selectors.listed(page)
    changes = selectors.last_changes(decision.principal.pk, rows)
    for row in rows:
        row.changed_by = _changed_by(changes.get(row.pk), request.actor)
    return render(
        request,
        "dossiers/list.html",
        {
            "title": dossiers_heading(request.actor),
            "nav": "dossiers",
            "form": form,
            "page": page,
            "rows": rows,
            "principal": decision.principal,
            "actions": allowed_actions(request.actor),
        },
    )


def _changed_by(entry, actor) -> str:
    """« par Sophie BERNARD pour vous »: who made the latest change, as the reader of the list is concerned."""
    if entry is None:
        return ""
    if entry.actor_id == actor.user.pk:
        return "par vous"
    if entry.is_delegated and not actor.acting_for_id:
        return f"par {entry.actor_name} pour vous"
    return f"par {entry.actor_name}"


@login_required
def dossier_create(request):
    if request.method == "POST" and (refused := _not_saved(request, DossierAction.CREATE, NewDossierForm)):
        return refused
    decision = decide(request.actor, DossierAction.CREATE)
    if not decision:
        raise Http404
    form = NewDossierForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.patient_data()
        duplicates = selectors.possible_duplicates(
            request.actor, **{k: data[k] for k in ("birth_name", "first_name", "birth_date", "sex")}
        )
        if not duplicates or form.cleaned_data["confirm_duplicate"]:
            dossier = services.create_dossier(
                actor=request.actor, dossier_type=form.cleaned_data["dossier_type"], patient=data
            )
            messages.success(request, f"Le dossier {dossier.number} a été créé.")
            return redirect("dossiers:detail", number=dossier.number)
    return render(
        request,
        "dossiers/create.html",
        {
            "title": "Nouveau dossier",
            "nav": "dossiers",
            "form": form,
            "duplicates": duplicates,
            "principal": decision.principal,
        },
    )


def _detail_context(request, dossier, decision, medical_form=None):
    """The dossier page's values; `medical_form` when the volet médical sent was refused, drawn as it came back."""
    return {
        "title": f"Dossier {of(dossier.patient.display_name)}",
        "nav": "dossiers",
        "dossier": dossier,
        "principal": decision.principal,
        "actions": allowed_actions(request.actor),
        # The volet médical as it opens, drawn without building the form; the form refused, as it came back.
        "medical_form": medical_form,
        "medical_fields": drawn_medical_form(dossier) if medical_form is None else "",
        "medical_rows": medical_rows(dossier),
        "history": history_rows(dossier_history(dossier.pk, columns=HISTORY_COLUMNS)[:HISTORY_ON_DOSSIER_PAGE]),
    }


@login_required
def dossier_detail(request, number):
    dossier, decision = selectors.get_dossier(request.actor, number)
    services.record_consultation(actor=request.actor, dossier=dossier)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier, decision))


@login_required
def dossier_history_page(request, number):
    dossier, decision = selectors.get_dossier(request.actor, number)
    page = paginate(request, dossier_history(dossier.pk, columns=HISTORY_COLUMNS), per_page=25, bounded=True)
    return render(
        request,
        "dossiers/history.html",
        {
            "title": f"Historique du dossier de {dossier.patient.display_name} ({dossier.number})",
            "nav": "dossiers",
            "dossier": dossier,
            "page": page,
            "rows": history_rows(page),
        },
    )


@login_required
@require_POST
def medical_update(request, number):
    if refused := _not_saved(request, DossierAction.EDIT_MEDICAL, MedicalForm):
        return refused
    dossier, decision = selectors.get_dossier(request.actor, number, DossierAction.EDIT_MEDICAL)
    form = MedicalForm(request.POST, instance=dossier)
    if form.is_valid():
        try:
            changes = services.update_medical(
                actor=request.actor,
                dossier=dossier,
                data=form.cleaned_data,
                expected_version=form.cleaned_data["version"],
            )
        except services.ConcurrentModification as error:
            form.add_error(None, str(error))
        except services.DossierError as error:
            messages.error(request, str(error))
            return redirect("dossiers:detail", number=number)
        else:
            if changes:
                messages.success(request, "Le volet médical a été enregistré.")
            else:
                messages.info(request, "Aucune modification à enregistrer.")
            return redirect("dossiers:detail", number=number)
    # Re-read the dossier as stored (the form instance carries the refused input).
    dossier, decision = selectors.get_dossier(request.actor, number, DossierAction.EDIT_MEDICAL)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier, decision, form), status=400)


def _transition_view(service, action, success):
    @login_required
    @require_POST
    def view(request, number):
        if refused := _not_saved(request, action):
            return refused
        dossier, _ = selectors.get_dossier(request.actor, number, action)
        try:
            service(actor=request.actor, dossier=dossier)
        except services.DossierError as error:
            messages.error(request, str(error))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, success)
        return redirect("dossiers:detail", number=number)

    return view


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def medical_validate(request, number):
    """« Valider le volet médical »: a page that shows what is signed, in whose name, and what is still missing;
    the signature itself is its POST, through the service (which decides again)."""
    if request.method == "POST" and (refused := _not_saved(request, DossierAction.VALIDATE_MEDICAL)):
        return refused
    dossier, decision = selectors.get_dossier(request.actor, number, DossierAction.VALIDATE_MEDICAL)
    if request.method == "POST":
        shown = request.POST.get("version", "")
        try:
            services.validate_medical(
                actor=request.actor,
                dossier=dossier,
                expected_version=whole_number(shown, digits=9),
            )
        except services.ConcurrentModification as error:
            messages.error(request, str(error))
            return redirect("dossiers:validate", number=number)
        except services.DossierError as error:
            messages.error(request, str(error))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "Le volet médical a été validé et signé.")
        return redirect("dossiers:detail", number=number)
    if not dossier.can_be_validated:
        messages.info(request, f"Ce volet médical ne peut pas être validé : il est « {dossier.get_status_display()} ».")
        return redirect("dossiers:detail", number=number)
    # The page shows the whole volet médical: a consultation, journaled as the dossier page's.
    services.record_consultation(actor=request.actor, dossier=dossier)
    return render(
        request,
        "dossiers/validate.html",
        {
            "title": f"Valider le volet médical du dossier {dossier.number}",
            "dossier": dossier,
            "principal": decision.principal,
            "is_delegated": decision.is_delegated,
            "medical_form": MedicalForm(instance=dossier),
            "missing": dossier.missing_to_validate(),
        },
    )


dossier_send = _transition_view(services.send_dossier, DossierAction.SEND, "Le dossier a été envoyé.")
dossier_archive = _transition_view(services.archive_dossier, DossierAction.ARCHIVE, "Le dossier a été archivé.")
