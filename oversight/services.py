"""What the doctor does on « Actions faites en mon nom »: keyword-only, atomic, authorized, journaled."""

from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Field

from delegations.authz import may_oversee
from journal.models import Action
from journal.services import record

from .models import Preferences

MAIL_CHOICES = ("mail_on_answer", "mail_on_validation", "weekly_summary")

if TYPE_CHECKING:
    from accounts.actor import Actor
    from accounts.models import User
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


@transaction.atomic
def update_preferences(*, actor: "Actor", mail_on_answer: bool, mail_on_validation: bool, weekly_summary: bool) -> bool:
    """« Mes préférences »: which mails he receives. Journaled with before → after; False when nothing changed."""
    decision = may_oversee(actor)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    preferences, _ = Preferences.objects.select_for_update().get_or_create(user=cast("User", actor.user))
    wanted = {
        "mail_on_answer": mail_on_answer,
        "mail_on_validation": mail_on_validation,
        "weekly_summary": weekly_summary,
    }
    changes = []
    for name in MAIL_CHOICES:
        if getattr(preferences, name) != wanted[name]:
            label = cast(Field, Preferences._meta.get_field(name)).verbose_name
            changes.append(
                {
                    "field": name,
                    "label": str(label),
                    "old": _yes_no(getattr(preferences, name)),
                    "new": _yes_no(wanted[name]),
                }
            )
            setattr(preferences, name, wanted[name])
    if not changes:
        return False
    preferences.save(update_fields=list(MAIL_CHOICES))
    record(
        action=Action.PREFERENCES_CHANGED, **actor.journal_fields(), on_behalf_of=decision.principal, changes=changes
    )
    return True


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"
