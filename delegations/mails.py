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
    "withdrawn": "Délégation de droits : le médecin {doctor} a retiré son invitation",
    "ending": "Délégation de droits : fin prochaine de la délégation du médecin {doctor}",
    "expired": "Délégation de droits : la délégation du médecin {doctor} a expiré",
    "suspended": "Délégation de droits : la délégation du médecin {doctor} est suspendue",
}


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
