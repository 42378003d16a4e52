"""A real SMTP server for end-to-end mail tests: ``smtp_server`` (aiosmtpd on 127.0.0.1, a free port).

Django sends with its SMTP backend to that server; every message received is parsed with the ``email``
package (policy ``default``: headers decoded, ``get_body()`` available) and appended to
``smtp_server.messages``. The SMTP exchange is synchronous: once ``send_mail`` (or ``run_worker``, the mail
worker's pass) has returned, the message is in the list.
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass
class ReceivedMail:
    """One message as the server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # Django folds long encoded subjects after « Subject: »: the parsed header keeps a leading space.
        return " ".join(str(self.message["Subject"]).split())

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[ReceivedMail] = field(default_factory=list)
    # Recipient -> the server's answer to RCPT TO (e.g. "550 5.1.1 Boîte inconnue"), to play a refusal.
    refuse: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [mail.message for mail in self.received]

    def to(self, address: str) -> list[ReceivedMail]:
        """The mails whose envelope recipients include `address`."""
        with self._lock:
            return [mail for mail in self.received if address in mail.rcpt_tos]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """Starts an SMTP server for one test and points Django's SMTP backend at it."""
    server = SmtpServer(host=HOST, port=_free_port())
    controller = Controller(server, hostname=HOST, port=server.port, enable_SMTPUTF8=True)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = HOST
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        controller.stop()


def run_worker() -> tuple[int, int]:
    """One pass of the mail worker, as `run_mail_worker` does: requests only queue, the worker sends.

    The SMTP exchange is synchronous: once this has returned, the mails it sent are in `smtp_server.messages`.
    """
    from outbox.services import send_due

    return send_due()
