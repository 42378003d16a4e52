"""Every read of dossiers goes through a queryset filtered to the actor's current principal."""

from django.http import Http404

from core.text import normalize
from delegations.authz import Decision, DossierAction, decide

from .models import Dossier


def _of_principal(decision: Decision):
    """The one filter: the dossiers of the doctor the decision says the actor acts for, or none."""
    if not decision.allowed:
        return Dossier.objects.none()
    return Dossier.objects.filter(medecin_traitant=decision.principal)


def dossiers_for(actor, action: DossierAction = DossierAction.VIEW):
    """The dossiers the actor may do `action` on: those of the doctor he acts for, or none."""
    return _of_principal(decide(actor, action))


def get_dossier(actor, number: str, action: DossierAction = DossierAction.VIEW) -> tuple[Dossier, Decision]:
    """The dossier if the actor may do `action` on it, else 404 (never tell it exists)."""
    decision = decide(actor, action)
    dossier = _of_principal(decision).filter(number=number).select_related("patient", "validated_by").first()
    if dossier is None:
        raise Http404
    # The filter made the principal the médecin traitant: no need to read him again (a page's hot path).
    dossier.medecin_traitant = decision.principal
    return dossier, decision


def search_dossiers(actor, *, query: str = "", status: str = ""):
    qs = dossiers_for(actor).select_related("patient")
    if status:
        qs = qs.filter(status=status)
    for word in normalize(query).split():
        qs = qs.filter(patient__search_name__contains=word)
    return qs.order_by("-updated_at", "-id")


def possible_duplicates(actor, *, birth_name: str, first_name: str, birth_date, sex: str):
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
