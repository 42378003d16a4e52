"""Mails to the doctor about what was done in his name, through the outbox, in the transaction of the action (a
rolled-back action mails nothing). Without any patient's name: a mail is not a channel for health data."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import User
from core.text import strip_controls
from journal.models import Action, Entry
from outbox.services import enqueue

from .models import Preferences

SUBJECTS = {
    "accepted": "Délégation de droits : {name} a accepté votre délégation",
    "refused": "Délégation de droits : {name} a refusé votre délégation",
    "validated": "Volet médical validé en votre nom par le médecin {name}",
    "weekly": "Résumé de la semaine : les actions faites en votre nom",
}


def preferences_of(user: User) -> Preferences:
    """His choices (defaults when he never changed nor logged in: the mails on, the weekly summary off)."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


def address_of(user: User) -> str:
    """The directory's address of his practice (as for every mail to a doctor), else his account's."""
    professional = user.professional
    return (professional.first_email if professional else "") or user.email


# The template of each kind (both answers share one).
TEMPLATES = {"accepted": "answered", "refused": "answered", "validated": "validated", "weekly": "weekly"}


def queue(kind: str, *, user: User, key: str, ref: str = "", name: str = "", **context: Any) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    template = TEMPLATES[kind]
    enqueue(
        key=f"oversight-{kind}-{key}",
        to=address_of(user),
        subject=strip_controls(SUBJECTS[kind].format(name=name)),
        text=render_to_string(f"oversight/mails/{template}.txt", context),
        html=render_to_string(f"oversight/mails/{template}.html", context),
        ref=ref,
    )


def on_entry(entry: Entry) -> None:
    """An invitation answered, a volet médical validated by a colleague in his name: the doctor is told (unless he
    turned that mail off in « Mes préférences »)."""
    if entry.on_behalf_of_id is None or entry.actor_id is None:
        return
    if entry.action in (Action.DELEGATION_ACCEPTED, Action.DELEGATION_REFUSED):
        kind, wanted = ("accepted" if entry.action == Action.DELEGATION_ACCEPTED else "refused"), "mail_on_answer"
    elif entry.action == Action.MEDICAL_VALIDATED and entry.is_delegated:
        kind, wanted = "validated", "mail_on_validation"
    else:
        return
    doctor = User.objects.filter(professional_id=entry.on_behalf_of_id).select_related("professional").first()
    if doctor is None or doctor.pk == entry.actor_id or not getattr(preferences_of(doctor), wanted):
        return
    context: dict[str, Any] = {"entry": entry}
    if kind == "validated":
        context["number"] = entry.dossier.number  # type: ignore[union-attr]  # a validation names its dossier
        ref = f"dossier:{entry.dossier_id}"
    else:
        context |= {"verb": "accepté" if kind == "accepted" else "refusé", "accepted": kind == "accepted"}
        ref = f"delegation:{entry.delegation_id}"
    queue(kind, user=doctor, key=str(entry.sequence), ref=ref, name=entry.actor_name, **context)
