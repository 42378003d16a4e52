"""Receivers connected by OversightConfig.ready: what oversight notes of the others' events, without them naming it."""

from django.db.models import F
from django.utils import timezone

from .mails import on_entry
from .models import Preferences


def note_login(sender, request, user, **kwargs) -> None:
    """The login before this one is where « Depuis votre dernière connexion » starts."""
    now = timezone.now()
    if not Preferences.objects.filter(user=user).update(previous_login_at=F("latest_login_at"), latest_login_at=now):
        Preferences.objects.get_or_create(user=user, defaults={"latest_login_at": now})


def mail_on_entry(sender, instance, created, raw=False, **kwargs) -> None:
    """After each journal entry is written (in the transaction of the action): the doctor's mails (mails.on_entry)."""
    if created and not raw:
        on_entry(instance)
