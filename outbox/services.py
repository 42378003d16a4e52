"""Enqueue in the caller's transaction; deliver right after commit, and again from the worker on failure.

A message is claimed (pending -> sending) by one conditional UPDATE before the SMTP conversation, so the
request that wrote it and any number of workers never send the same message twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Message, MessageState

logger = logging.getLogger(__name__)


def enqueue(*, key: str, to: str, subject: str, text: str, html: str = "", ref: str = "") -> Message:
    """Write the message in the current transaction; try to deliver it once the transaction commits."""
    message = Message.objects.create(
        idempotency_key=key, to=to, subject=subject, body_text=text, body_html=html, ref=ref
    )
    if settings.OUTBOX_SEND_ON_COMMIT:
        transaction.on_commit(lambda: deliver(message.pk))
    return message


def backoff(attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base… capped."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _claimable(now) -> Q:
    """Due and pending, or held by a sender that has not finished for too long (it died)."""
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    return Q(state=MessageState.PENDING, next_attempt_at__lte=now) | Q(state=MessageState.SENDING, claimed_at__lt=stale)


def _claim(message_id: int) -> bool:
    now = timezone.now()
    claimed = Message.objects.filter(_claimable(now), pk=message_id).update(state=MessageState.SENDING, claimed_at=now)
    return bool(claimed)


def deliver(message_id: int) -> bool:
    """Send one message if it is due and nobody else holds it. True when it went out now."""
    if not _claim(message_id):
        return False
    message = Message.objects.get(pk=message_id)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=[message.to],
        headers={"Message-ID": f"<{message.idempotency_key}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}>"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as error:  # any SMTP or network failure: retry later, nothing is lost
        attempts = message.attempts + 1
        Message.objects.filter(pk=message.pk).update(
            state=MessageState.PENDING,
            attempts=attempts,
            next_attempt_at=timezone.now() + backoff(attempts),
            last_error=f"{type(error).__name__}: {error}"[:1000],
            claimed_at=None,
        )
        logger.warning("outbox message %s not sent (attempt %s): %s", message.pk, attempts, type(error).__name__)
        return False
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def send_due(*, limit: int = 100) -> tuple[int, int]:
    """One pass of the worker: (sent, still failing) among the messages due now."""
    due = Message.objects.filter(_claimable(timezone.now())).order_by("next_attempt_at", "id")
    sent = failed = 0
    for message_id in due.values_list("pk", flat=True)[:limit]:
        if deliver(message_id):
            sent += 1
        elif Message.objects.filter(pk=message_id, state=MessageState.PENDING).exists():
            failed += 1
    return sent, failed
