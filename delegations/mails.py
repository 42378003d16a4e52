"""Mails to delegates and doctors: French, plain text and HTML. Sent after the commit of the change."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

SUBJECTS = {
    "invitation": "Délégation de droits : le médecin {doctor} vous invite à gérer ses dossiers",
    "modified": "Délégation de droits : le médecin {doctor} a modifié vos droits",
    "deleted": "Délégation de droits : le médecin {doctor} a supprimé votre délégation",
    "ending": "Délégation de droits : fin prochaine de la délégation du médecin {doctor}",
    "expired": "Délégation de droits : la délégation du médecin {doctor} a expiré",
}


def send(kind: str, *, to: str, delegation, **context) -> bool:
    """Send one mail; False (and a log line without address or token) when the SMTP server refuses."""
    context = {
        "delegation": delegation,
        "doctor": delegation.doctor.display_name,
        "site_url": settings.SITE_URL,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind].format(doctor=context["doctor"]),
        body=render_to_string(f"delegations/mails/{kind}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"delegations/mails/{kind}.html", context), "text/html")
    try:
        message.send()
    except Exception:  # any SMTP or network failure: the caller records it, nothing is lost
        logger.warning("mail %s for delegation %s could not be sent", kind, delegation.pk, exc_info=True)
        return False
    return True
