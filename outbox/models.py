"""Durable mail: a message is a row written in the transaction of the change that wants it sent."""

from django.db import models
from django.utils import timezone


class MessageState(models.TextChoices):
    PENDING = "pending", "En attente d'envoi"
    SENDING = "sending", "Envoi en cours"
    SENT = "sent", "Envoyé"
    # Never retried: the address or the content is refused for good (the sender must correct it).
    FAILED = "failed", "Échec définitif"


class Message(models.Model):
    # The same key is never sent twice; it is also the Message-ID, so that mail servers can deduplicate.
    idempotency_key = models.CharField("clé d'idempotence", max_length=200, unique=True)
    # What the message is about (e.g. "delegation:12"), so that the domain can show its delivery state.
    ref = models.CharField("objet concerné", max_length=100, db_index=True, blank=True)
    to = models.CharField("destinataire", max_length=300)
    subject = models.CharField("objet", max_length=300)
    # Emptied once the message is sent or has failed for good: they hold the invitation link.
    body_text = models.TextField("texte", blank=True)
    body_html = models.TextField("HTML", blank=True)
    state = models.CharField("état", max_length=10, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveIntegerField("essais", default=0)
    next_attempt_at = models.DateTimeField("prochain essai", default=timezone.now)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    failed_at = models.DateTimeField("échec définitif le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel"
        verbose_name_plural = "courriels (file d'envoi)"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.subject} ({self.get_state_display()})"

    @property
    def is_failing(self) -> bool:
        """Not sent yet after at least one try, and still retried."""
        return self.state in (MessageState.PENDING, MessageState.SENDING) and self.attempts > 0

    @property
    def has_failed(self) -> bool:
        return self.state == MessageState.FAILED
