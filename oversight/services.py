"""What the doctor does on « Actions faites en mon nom »: keyword-only, atomic, authorized, journaled."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from delegations.authz import may_oversee
from journal.models import Action
from journal.services import record

if TYPE_CHECKING:
    from accounts.actor import Actor
    from journal.models import Entry


@transaction.atomic
def record_export(*, actor: "Actor", export_format: str, described: list[str]) -> "Entry":
    """« Export de l'historique »: who took which list away, in which format, with which filters."""
    decision = may_oversee(actor)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    filters = " ; ".join(described) if described else "aucun filtre"
    return record(
        action=Action.HISTORY_EXPORTED,
        **actor.journal_fields(),
        on_behalf_of=decision.principal,
        detail=f"{export_format} — filtres : {filters}",
    )
