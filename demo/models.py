"""The demo's own copy of the mails it sent: the outbox wipes a sent mail's body (it holds the invitation link)."""

from django.db import models
from django.utils import timezone


class SentMail(models.Model):
    """Written only by `demo.mail.DemoEmailBackend`, which settings use only when DEMO is on."""

    sent_at = models.DateTimeField("envoyé le", default=timezone.now)
    to = models.CharField("destinataire", max_length=300)
    subject = models.CharField("objet", max_length=300)
    body = models.TextField("texte")

    class Meta:
        verbose_name = "courriel envoyé (démonstration)"
        verbose_name_plural = "courriels envoyés (démonstration)"
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.subject
