"""MES DELEGATIONS (the doctor's side) and the delegate's side. Thin: services change, selectors read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.actor import SESSION_ACTING_FOR
from core.pagination import paginate
from core.text import whole_number
from directory.selectors import search_professionals, selectable_doctor
from journal.selectors import delegation_history

from . import selectors, services
from .authz import delegation_in_force, may_manage_delegations
from .forms import AssistantDelegationForm, ColleagueDelegationForm, DirectorySearchForm, ModifyDelegationForm
from .models import Delegation, State
from .policy import BY_NAME, FROM_DIRECTORY, kind_added_by

ALREADY_LIVE = "Une délégation est déjà en cours pour cette personne : modifiez-la plutôt que d'en ajouter une autre."


def _doctor_or_404(request):
    decision = may_manage_delegations(request.actor)
    if not decision.allowed:
        raise Http404
    return decision.principal


def _own_or_404(request, pk) -> Delegation:
    doctor = _doctor_or_404(request)
    delegation = selectors.delegations_granted_by(doctor).filter(pk=pk).first()
    if delegation is None:
        raise Http404
    return delegation


@login_required
def my_delegations(request):
    doctor = _doctor_or_404(request)
    sections = selectors.granted_sections(doctor)
    # The kinds invited by name are added in a dialog of this page (ids apart when there are several).
    by_name = [section for section in sections["sections"] if section["kind"].invitee == BY_NAME]
    for i, section in enumerate(by_name):
        auto_id = "id_%s" if i == 0 else f"id_{section['kind'].value}_%s"
        section["form"] = AssistantDelegationForm(kind=section["kind"].kind, auto_id=auto_id)
    return render(request, "delegations/list.html", {"title": "Mes délégations", "nav": "delegations", **sections})


def _renewed(request, kind) -> Delegation | None:
    """« Renouveler »: the ended delegation (?renouveler=<pk>, the doctor's own, of this kind) a new one copies."""
    pk = whole_number(request.GET.get("renouveler"))
    if pk is None:
        return None
    old = _own_or_404(request, pk)
    if old.kind != kind.kind or not old.is_renewable:
        return None
    return old


@login_required
def add_assistant(request):
    doctor = _doctor_or_404(request)
    kind = kind_added_by(BY_NAME, request.GET.get("type"))
    old = _renewed(request, kind)
    initial = services.renewal_terms(old) if old else {}
    if old:
        initial.update(last_name=old.invited_last_name, first_name=old.invited_first_name, email=old.invited_email)
    form = AssistantDelegationForm(request.POST or None, kind=kind.kind, initial=initial)
    existing = None
    if request.method == "POST":
        form.is_valid()
        # Said with the form's other errors, at once, with a link to the delegation to modify.
        existing = selectors.live_delegation_to(
            doctor, kind=kind.kind, email=getattr(form, "cleaned_data", {}).get("email", "")
        )
        if existing is not None:
            form.add_error("email", ALREADY_LIVE)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_assistant(
                actor=request.actor,
                kind=kind.kind,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                rights=form.rights(),
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except services.DelegationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "La délégation a été ajoutée : une invitation a été envoyée par courriel.")
            return redirect("delegations:list")
    return render(
        request,
        "delegations/add_assistant.html",
        {
            "title": kind.add_title,
            "nav": "delegations",
            "kind": kind,
            "form": form,
            "existing": existing,
        },
    )


@login_required
def add_colleague(request):
    doctor = _doctor_or_404(request)
    kind = kind_added_by(FROM_DIRECTORY, request.GET.get("type"))
    search = DirectorySearchForm(request.GET or None)
    results = None
    if search.is_valid() and (search.cleaned_data["name"] or search.cleaned_data["place"]):
        results = paginate(
            request,
            search_professionals(
                name=search.cleaned_data["name"], place=search.cleaned_data["place"], exclude=doctor.pk
            ),
            per_page=10,
        )
    choice = request.GET.get("selectionne", "")
    chosen = whole_number(choice)
    selected = selectable_doctor(chosen) if chosen is not None and chosen != doctor.pk else None
    form = None
    old = _renewed(request, kind)
    # Said as soon as he is chosen, with a link to the delegation to modify; no form to add another.
    existing = selectors.live_delegation_to(doctor, colleague=selected) if selected is not None else None
    if selected is not None and existing is None:
        initial = services.renewal_terms(old) if old and old.colleague_id == selected.pk else {}
        if initial and not selected.first_email:
            initial["email"] = old.invited_email  # type: ignore[union-attr]  # initial: old is set
        form = ColleagueDelegationForm(
            request.POST or None, directory_email=selected.first_email, kind=kind.kind, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.add_colleague(
                    actor=request.actor,
                    kind=kind.kind,
                    colleague=selected,
                    email=form.recipient(),
                    rights=form.rights(),
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                )
            except services.DelegationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "La délégation a été ajoutée : une invitation a été envoyée par courriel.")
                return redirect("delegations:list")
    elif request.method == "POST" and selected is None:
        raise Http404
    query = request.GET.copy()
    query.pop("selectionne", None)
    query.pop("page", None)
    query.pop("renouveler", None)
    return render(
        request,
        "delegations/add_colleague.html",
        {
            "title": kind.add_title,
            "nav": "delegations",
            "kind": kind,
            "search": search,
            "results": results,
            "selected": selected,
            "existing": existing,
            "form": form,
            "search_query": query.urlencode(),
            "select_url": f"?{query.urlencode()}&selectionne=" if query else "?selectionne=",
        },
    )


@login_required
def delegation_detail(request, pk):
    delegation = _own_or_404(request, pk)
    # Paginated like a dossier's history: the page costs the same at 5 or 5,000 entries.
    page = paginate(request, delegation_history(delegation.pk), per_page=25, bounded=True)
    return render(
        request,
        "delegations/detail.html",
        {
            "title": f"Délégation à {delegation.delegate_name}",
            "nav": "delegations",
            "delegation": delegation,
            "earlier": selectors.earlier_delegations(delegation),
            "page": page,
        },
    )


@login_required
def delegation_modify(request, pk):
    delegation = _own_or_404(request, pk)
    suspended = services.suspension_reason(delegation)
    if suspended or delegation.effective_state not in (State.PENDING, State.ACCEPTED):
        messages.error(
            request,
            f"{suspended} La délégation est suspendue : elle ne peut plus être modifiée ni prolongée."
            if suspended
            else "Cette délégation n'est plus modifiable.",
        )
        return redirect("delegations:list")
    form = ModifyDelegationForm(request.POST or None, delegation=delegation)
    if request.method == "POST" and form.is_valid():
        try:
            services.modify_delegation(
                actor=request.actor,
                delegation_id=delegation.pk,
                rights=form.rights(),
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except services.DelegationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "La délégation a été modifiée ; la personne en est informée par courriel.")
            return redirect("delegations:list")
    return render(
        request,
        "delegations/modify.html",
        {
            "title": f"Modifier la délégation à {delegation.delegate_name}",
            "nav": "delegations",
            "delegation": delegation,
            "form": form,
        },
    )


@login_required
def delegation_delete(request, pk):
    delegation = _own_or_404(request, pk)
    if request.method == "POST":
        try:
            services.delete_delegation(actor=request.actor, delegation_id=delegation.pk)
        except services.DelegationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"L'invitation à {delegation.delegate_name} a été retirée."
                if delegation.state == State.PENDING
                else f"La délégation à {delegation.delegate_name} a été supprimée.",
            )
        return redirect("delegations:list")
    return render(
        request,
        "delegations/delete.html",
        {
            "title": f"Supprimer la délégation à {delegation.delegate_name}",
            "nav": "delegations",
            "delegation": delegation,
        },
    )


@login_required
@require_POST
def delegation_resend(request, pk):
    delegation = _own_or_404(request, pk)
    try:
        services.resend_invitation(actor=request.actor, delegation_id=delegation.pk)
    except services.DelegationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Une nouvelle invitation a été envoyée ; l'ancien lien ne fonctionne plus.")
    return redirect("delegations:list")


# --- The delegate's side ------------------------------------------------------------------------

# The two answers to an invitation, from the mail's link or from « Délégations reçues ».
ANSWERS = {
    "accepter": (services.accept_delegation, "Vous avez accepté la délégation."),
    "refuser": (services.refuse_delegation, "Vous avez refusé la délégation."),
}


@login_required
def received(request):
    rows = selectors.received_rows(request.actor)
    return render(
        request,
        "delegations/received.html",
        {
            "title": "Délégations reçues",
            "nav": "received",
            "delegations": rows,
        },
    )


def invitation(request, token):
    """The mail's link: log in first (any login method), then see the delegation and answer."""
    if not request.user.is_authenticated:
        messages.info(request, "Connectez-vous avec votre carte CPx pour répondre à l'invitation.")
        return redirect_to_login(request.get_full_path())
    found = services.invitation_for_token(token)
    if found is not None and services.note_other_person(actor=request.actor, delegation=found.delegation):
        # Said at once, whatever the link's state, before any answer; nothing of the delegation (doctor, rights,
        # dates, a suspension's reason) is shown.
        return render(
            request,
            "delegations/invitation_other_person.html",
            {"title": "Cette invitation est destinée à une autre personne"},
            status=403,
        )
    problem = services.invitation_problem(found)
    if problem is None and request.method == "POST":
        service, done = ANSWERS["accepter" if "accepter" in request.POST else "refuser"]
        try:
            service(actor=request.actor, delegation_id=found.delegation_id, token=token)  # type: ignore[union-attr]  # problem is None: the invitation was found
        except services.DelegationError as error:
            problem = str(error)
        else:
            messages.success(request, done)
            return redirect("delegations:received")
    return render(
        request,
        "delegations/invitation.html",
        {
            "title": "Invitation à une délégation de droits",
            "problem": problem,
            "delegation": found.delegation if found else None,
        },
        status=400 if problem and request.method == "POST" else 200,
    )


@login_required
@require_POST
def answer(request, pk, decision):
    if decision not in ANSWERS or not selectors.received_by(request.actor).filter(pk=pk).exists():
        raise Http404
    service, done = ANSWERS[decision]
    try:
        service(actor=request.actor, delegation_id=pk)
    except services.DelegationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("delegations:received")


@login_required
@require_POST
def act_for(request, pk):
    delegation = selectors.received_by(request.actor).filter(pk=pk).first()
    if delegation is None:
        raise Http404
    request.actor.acting_for_id = delegation.doctor_id
    request.actor.cache.clear()
    if delegation_in_force(request.actor) is None:
        request.actor.acting_for_id = None
        messages.error(request, "Cette délégation n'est pas en cours de validité.")
        return redirect("delegations:received")
    request.session[SESSION_ACTING_FOR] = delegation.doctor_id
    return redirect("dossiers:list")


@login_required
@require_POST
def act_as_myself(request):
    request.session.pop(SESSION_ACTING_FOR, None)
    return redirect("dossiers:list")
