from django.db.models import QuerySet

from .models import Entry


def dossier_history(dossier_id: int) -> QuerySet[Entry]:
    """HISTORIQUE DES ACTIONS of one dossier, newest first. The caller has already checked access."""
    return Entry.objects.filter(dossier_id=dossier_id).order_by("-created_at", "-id")


def delegation_history(delegation_id: int) -> QuerySet[Entry]:
    """The history of one delegation, newest first. The caller has already checked access (the doctor's own)."""
    return Entry.objects.filter(delegation_id=delegation_id).order_by("-created_at", "-id")
