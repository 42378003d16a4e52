"""The mail backend of the demo (settings.EMAIL_BACKEND when DEMO is on): keeps a copy, then sends as configured.

The copy is what « Courriels envoyés (démonstration) » shows, so that a newcomer clicks the invitation link instead
of looking for it in the console. It is never the production outbox, whose bodies are wiped once sent.
"""

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend


class DemoEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .models import SentMail

        sent = get_connection(settings.DEMO_EMAIL_BACKEND, fail_silently=self.fail_silently).send_messages(
            email_messages
        )
        # Only what the configured backend accepted (it raises otherwise, and the outbox retries).
        SentMail.objects.bulk_create(
            SentMail(to=", ".join(message.to)[:300], subject=str(message.subject)[:300], body=str(message.body))
            for message in email_messages
        )
        return sent
