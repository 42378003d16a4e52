from core.prepared import Prepared

from .models import Message

# MES DELEGATIONS reads them on every opening, one statement per number of refs: compiled once (core/prepared.py).
# The bodies are left out: a page shows the delivery state only.
_BY_REF = Prepared(
    Message,
    lambda *, refs: (
        Message.objects.filter(ref__in=refs).defer("body_text", "body_html").order_by("ref", "-created_at", "-id")
    ),
)


def latest_by_ref(refs: list[str]) -> dict[str, Message]:
    """The newest message of each ref (to show « envoyé » or « échec, nouvel essai à … »), without its bodies."""
    latest: dict[str, Message] = {}
    for message in _BY_REF.fetch(refs=refs) if refs else ():
        latest.setdefault(message.ref, message)
    return latest
