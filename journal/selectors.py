from typing import Any

from django.db.models import QuerySet

from core.prepared import Prepared, PreparedRows

from .models import Action, Entry

LOGIN_ACTIONS = (Action.LOGIN, Action.LOGIN_FAILED)


def _dossier_history(*, dossier_id: int, shape: tuple[str, ...] = ()) -> QuerySet[Entry, Any]:
    entries = Entry.objects.filter(dossier_id=dossier_id).order_by("-created_at", "-id")
    return entries.values_list(*shape) if shape else entries


# Read on every dossier page and history page: compiled once (core/prepared.py).
_DOSSIER_HISTORY = Prepared(Entry, _dossier_history)


def dossier_history(dossier_id: int, *, columns: tuple[str, ...] = ()) -> PreparedRows:
    """HISTORIQUE DES ACTIONS of one dossier, newest first, sliced and counted as a queryset: entries, or with
    `columns` their values as tuples (a page reads what it shows). The caller has already checked access."""
    return _DOSSIER_HISTORY.rows(dossier_id=dossier_id, shape=columns)


def delegation_history(delegation_id: int) -> QuerySet[Entry]:
    """The history of one delegation, newest first. The caller has already checked access (the doctor's own)."""
    return Entry.objects.filter(delegation_id=delegation_id).order_by("-created_at", "-id")


def recent_logins(user_id: int, *, limit: int = 10) -> QuerySet[Entry]:
    """A person's own last logins, refused ones included, newest first: at most `limit` (index journal_login_recent).
    Only ever called with the logged-in user's own id (Mon compte)."""
    return Entry.objects.filter(actor_id=user_id, action__in=LOGIN_ACTIONS).order_by("-created_at", "-id")[:limit]


# The « Action » filter of « Actions faites en mon nom »: a word a doctor uses → the journal actions it covers.
ACTION_GROUPS: dict[str, tuple[str, tuple[Action, ...]]] = {
    "consultation": ("Consultation", (Action.DOSSIER_VIEWED,)),
    "creation": ("Création", (Action.DOSSIER_CREATED,)),
    "modification": ("Modification", (Action.MEDICAL_UPDATED,)),
    "validation": ("Validation", (Action.MEDICAL_VALIDATED,)),
    "envoi": ("Envoi", (Action.DOSSIER_SENT,)),
    "archivage": ("Archivage", (Action.DOSSIER_ARCHIVED,)),
    "delegation": (
        "Délégation",
        tuple(action for action in Action if action.value.startswith("delegation_")),
    ),
}


def entries_in_name_of(principal_id: int, principal_user_id: int | None) -> QuerySet[Entry]:
    """Every entry in which someone else acted on this doctor's behalf (his delegates, colleagues, the platform),
    newest first; his own actions left out. Every filter of the oversight pages goes on top of this one.
    The caller has already checked that the doctor reads his own (delegations.authz.may_oversee)."""
    entries = Entry.objects.filter(on_behalf_of_id=principal_id)
    if principal_user_id is not None:
        entries = entries.exclude(actor_id=principal_user_id)
    return entries.order_by("-created_at", "-id")
