from django.db.models import QuerySet

from .models import Action, Entry

LOGIN_ACTIONS = (Action.LOGIN, Action.LOGIN_FAILED)


def dossier_history(dossier_id: int) -> QuerySet[Entry]:
    """HISTORIQUE DES ACTIONS of one dossier, newest first. The caller has already checked access."""
    return Entry.objects.filter(dossier_id=dossier_id).order_by("-created_at", "-id")


def delegation_history(delegation_id: int) -> QuerySet[Entry]:
    """The history of one delegation, newest first. The caller has already checked access (the doctor's own)."""
    return Entry.objects.filter(delegation_id=delegation_id).order_by("-created_at", "-id")


def recent_logins(user_id: int, *, limit: int = 10) -> QuerySet[Entry]:
    """A person's own last logins, refused ones included, newest first: at most `limit` (index journal_login_recent).
    Only ever called with the logged-in user's own id (Mon compte)."""
    return Entry.objects.filter(actor_id=user_id, action__in=LOGIN_ACTIONS).order_by("-created_at", "-id")[:limit]
