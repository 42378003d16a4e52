"""Mails to delegates and doctors: French, plain text and HTML, written to the outbox in the caller's
transaction (sent by the mail worker once it commits, retried on failure)."""

from django.conf import settings
from django.template.loader import render_to_string

from core.text import strip_controls
from outbox.services import enqueue

SUBJECTS = {
    "invitation": "Délégation de droits : le médecin {doctor} vous invite à gérer ses dossiers",
    "modified": "Délégation de droits : le médecin {doctor} a modifié vos droits",
    "deleted": "Délégation de droits : le médecin {doctor} a supprimé votre délégation",
    # Deleted before any answer: nothing was ever « votre délégation ».
    "withdrawn": "Délégation de droits : le médecin {doctor} a retiré son invitation",
    "ending": "Délégation de droits : fin prochaine de la délégation du médecin {doctor}",
    "expired": "Délégation de droits : la délégation du médecin {doctor} a expiré",
    "suspended": "Délégation de droits : la délégation du médecin {doctor} est suspendue",
}


# « Courriel … envoyé le » in MES DELEGATIONS: which mail was the last one.
KIND_NAMES = {
    "invitation": "Courriel d'invitation",
    "modified": "Courriel de modification",
    "ending": "Courriel de rappel",
    "expired": "Courriel de fin de délégation",
    "deleted": "Courriel de suppression",
    "withdrawn": "Courriel de retrait de l'invitation",
    "suspended": "Courriel de suspension",
}


def mail_kind(message) -> str:
    """The name of a message queued here, read from its key (`delegation-<pk>-<kind>-<key>`)."""
    parts = message.idempotency_key.split("-", 3)
    return KIND_NAMES.get(parts[2], "Courriel") if len(parts) > 2 and parts[0] == "delegation" else "Courriel"


def ref(delegation) -> str:
    return f"delegation:{delegation.pk}"


def queue(kind: str, *, key: str, to: str, delegation, **context) -> None:
    """`key` names this one message (e.g. the invitation id): the same key is never sent twice."""
    context = {
        "delegation": delegation,
        "doctor": delegation.doctor.display_name,
        "site_url": settings.SITE_URL,
        **context,
    }
    enqueue(
        key=f"delegation-{delegation.pk}-{kind}-{key}",
        to=to,
        # A name stored before names were cleaned must not break the header: the mail would never leave.
        subject=strip_controls(SUBJECTS[kind].format(doctor=context["doctor"])),
        text=render_to_string(f"delegations/mails/{kind}.txt", context),
        html=render_to_string(f"delegations/mails/{kind}.html", context),
        ref=ref(delegation),
    )
