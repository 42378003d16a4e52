from .models import Message


def latest_by_ref(refs: list[str]) -> dict[str, Message]:
    """The newest message of each ref (to show « envoyé » or « échec, nouvel essai à … »)."""
    latest: dict[str, Message] = {}
    for message in Message.objects.filter(ref__in=refs).order_by("ref", "-created_at", "-id"):
        latest.setdefault(message.ref, message)
    return latest
