"""Enqueue in the caller's transaction; only the worker (`run_mail_worker`) ever talks SMTP.

A request never waits for a mail server: it writes the message and, on PostgreSQL, wakes the worker at commit
(`wakeup`). A message is claimed (pending -> sending) by one conditional UPDATE before the SMTP conversation,
so any number of workers never send the same message twice. A message that can never leave (invalid address,
bad header, refused for good by the server) fails at once and for good instead of being retried forever. Once
a message is sent or has failed for good, its bodies (which hold invitation links) are wiped in the same UPDATE.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core.text import is_email_address

from . import wakeup
from .models import Message, MessageState

logger = logging.getLogger(__name__)

INVALID_ADDRESS = "Adresse invalide"


def enqueue(*, key: str, to: str, subject: str, text: str, html: str = "", ref: str = "") -> Message:
    """Write the message in the current transaction; the worker sends it once the transaction commits.

    An address that is not one valid address is not queued for sending: the message is recorded as failed for
    good (without its bodies), so that the sender sees it.
    """
    if not is_email_address(to):
        logger.warning("outbox message %s refused: invalid recipient address", key)
        now = timezone.now()
        return Message.objects.create(
            idempotency_key=key,
            to=to[:300],
            subject=subject[:300],
            ref=ref,
            state=MessageState.FAILED,
            last_error=INVALID_ADDRESS,
            failed_at=now,
        )
    message = Message.objects.create(
        idempotency_key=key, to=to, subject=subject, body_text=text, body_html=html, ref=ref
    )
    wakeup.notify(connection)
    return message


def backoff(attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base… capped."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def is_permanent(error: Exception) -> bool:
    """True when sending this message again cannot succeed: retrying would only repeat the failure.

    A bad header or address (the mail library's ValueError), or a 5xx answer about this message (recipient or
    content refused). Network errors, timeouts and 4xx answers are transient. So is what is the platform's
    configuration, not the message's — a fixed configuration sends it, and failing every queued mail for good (their
    bodies wiped) would lose every invitation: a refused login or greeting, a refused sender (DEFAULT_FROM_EMAIL),
    a security or policy refusal (enhanced status 5.7.x: relay denied, sender not authorised), a bad sender address.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
        return bool(answers) and all(code >= 500 and not _policy(text) for code, text in answers)
    if isinstance(
        error,
        (smtplib.SMTPAuthenticationError, smtplib.SMTPHeloError, smtplib.SMTPConnectError, smtplib.SMTPSenderRefused),
    ):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500 and not _policy(error.smtp_error)
    if isinstance(error, ValueError):
        # The platform's sender is wrong, not this message: retried once DEFAULT_FROM_EMAIL is fixed.
        return is_email_address(parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    return False


def _policy(text: object) -> bool:
    """An enhanced status code 5.7.x (RFC 3463: security or policy), usually the platform's relay settings."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).lstrip().startswith("5.7.")


def _claimable(now: datetime) -> Q:
    """Due and pending, or held by a sender that has not finished for too long (it died)."""
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    return Q(state=MessageState.PENDING, next_attempt_at__lte=now) | Q(state=MessageState.SENDING, claimed_at__lt=stale)


def _claim(message_id: int) -> bool:
    # One statement: the condition and the write are atomic, so two workers cannot both win the same row.
    now = timezone.now()
    claimed = Message.objects.filter(_claimable(now), pk=message_id).update(state=MessageState.SENDING, claimed_at=now)
    return bool(claimed)


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def deliver(message_id: int) -> bool:
    """Send one message if it is due and nobody else holds it. True when it went out now."""
    if not _claim(message_id):
        return False
    message = Message.objects.get(pk=message_id)
    attempts = message.attempts + 1
    try:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            to=[message.to],
            headers={"Message-ID": f"<{message.idempotency_key}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}>"},
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        email.send()
    except Exception as error:  # any failure: classified below, nothing is lost
        if is_permanent(error):
            Message.objects.filter(pk=message.pk).update(
                state=MessageState.FAILED,
                attempts=attempts,
                failed_at=timezone.now(),
                last_error=_error_text(error),
                claimed_at=None,
                body_text="",
                body_html="",
            )
            logger.warning("outbox message %s failed for good: %s", message.pk, type(error).__name__)
            return False
        Message.objects.filter(pk=message.pk).update(
            state=MessageState.PENDING,
            attempts=attempts,
            next_attempt_at=timezone.now() + backoff(attempts),
            last_error=_error_text(error),
            claimed_at=None,
        )
        logger.warning("outbox message %s not sent (attempt %s): %s", message.pk, attempts, type(error).__name__)
        return False
    # The bodies held the invitation link: once sent, they are not kept.
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.SENT, sent_at=timezone.now(), attempts=attempts, last_error="", body_text="", body_html=""
    )
    return True


def send_due(*, limit: int = 100) -> tuple[int, int]:
    """One pass of the worker: (sent, not sent) among the messages due now."""
    due = Message.objects.filter(_claimable(timezone.now())).order_by("next_attempt_at", "id")
    sent = failed = 0
    for message_id in due.values_list("pk", flat=True)[:limit]:
        if deliver(message_id):
            sent += 1
        elif Message.objects.filter(pk=message_id, state__in=[MessageState.PENDING, MessageState.FAILED]).exists():
            failed += 1
    return sent, failed
