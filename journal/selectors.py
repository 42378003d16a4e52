from .models import Entry


def dossier_history(dossier_id):
    """HISTORIQUE DES ACTIONS of one dossier, newest first. The caller has already checked access."""
    return Entry.objects.filter(dossier_id=dossier_id).order_by("-created_at", "-id")
