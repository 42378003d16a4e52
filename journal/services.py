"""Writing to the journal. Callers pass what they know; nothing here imports the domain apps."""

from .models import Action, Entry


def record(
    *,
    action: Action,
    actor_user,
    actor_name: str,
    actor_role: str,
    card_type: str = "",
    login_method: str = "",
    auth_mode: str = "",
    on_behalf_of=None,
    is_delegated: bool = False,
    dossier=None,
    delegation=None,
    changes: list | None = None,
    detail: str = "",
) -> Entry:
    """Append one entry. Call it inside the transaction of the change it records."""
    return Entry.objects.create(
        action=action,
        action_label=Action(action).label,
        actor=actor_user,
        actor_name=actor_name,
        actor_role=actor_role,
        card_type=card_type,
        login_method=login_method,
        auth_mode=auth_mode,
        on_behalf_of=on_behalf_of,
        on_behalf_name=on_behalf_of.display_name if on_behalf_of is not None else "",
        is_delegated=is_delegated,
        dossier=dossier,
        delegation=delegation,
        changes=changes or [],
        detail=detail,
    )
