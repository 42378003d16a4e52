"""Durable mail: nothing is lost when the SMTP server is down, nothing is sent twice, nothing is retried forever."""

import smtplib
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from delegations.models import Delegation
from outbox.models import Message, MessageState
from outbox.services import backoff, deliver, enqueue, is_permanent, send_due
from tests.conftest import login_client

TODAY = timezone.localdate  # the application's date (Paris), not the machine's: they differ near midnight
ON_POSTGRESQL = connection.vendor == "postgresql"


def _queue(n):
    for i in range(n):
        enqueue(key=f"test-{i}", to=f"personne{i}@example.org", subject=f"Sujet {i}", text="Bonjour", html="<p>B</p>")


@pytest.fixture
def retry_now(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0


@pytest.mark.django_db
def test_enqueue_writes_a_row_and_only_the_worker_sends(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(key="k1", to="a@example.org", subject="S", text="T", html="<p>T</p>")
    # Committed, and nothing was sent: requests never talk SMTP.
    assert smtp_server.messages == [] and Message.objects.get().state == MessageState.PENDING
    assert send_due() == (1, 0)
    message = Message.objects.get()
    assert message.state == MessageState.SENT and message.attempts == 1
    [mail] = smtp_server.to("a@example.org")
    assert mail.message["Message-ID"].startswith("<k1@")
    assert mail.body.strip() == "T"


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(key="k1", to="a@example.org", subject="S", text="T")
        raise RuntimeError
    assert send_due() == (0, 0)
    assert not Message.objects.exists() and smtp_server.messages == []


@pytest.mark.django_db
def test_same_key_is_refused():
    from django.db import IntegrityError

    enqueue(key="k1", to="a@example.org", subject="S", text="T")
    with pytest.raises(IntegrityError):
        enqueue(key="k1", to="a@example.org", subject="S", text="T")


@pytest.mark.django_db
def test_a_sent_message_is_never_sent_again(smtp_server):
    _queue(1)
    message = Message.objects.get()
    assert deliver(message.pk) is True
    assert deliver(message.pk) is False
    assert send_due() == (0, 0)
    assert len(smtp_server.messages) == 1


def test_backoff_is_exponential_and_capped(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 30, 3600
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 3600]


@pytest.mark.django_db
def test_failure_waits_for_the_backoff(settings, smtp_server):
    port = smtp_server.port
    settings.EMAIL_PORT = 1  # down
    _queue(1)
    assert send_due() == (0, 1)
    message = Message.objects.get()
    assert message.state == MessageState.PENDING and message.attempts == 1 and message.next_attempt_at > timezone.now()
    assert message.body_text == "Bonjour"  # kept for the next try
    settings.EMAIL_PORT = port  # up again, but the retry is not due yet
    assert send_due() == (0, 0)
    Message.objects.update(next_attempt_at=timezone.now())
    assert send_due() == (1, 0)


@pytest.mark.django_db
def test_server_down_during_50_invitations_then_up(martin, settings, smtp_server, retry_now):  # noqa: F811
    """SMTP stopped during 50 invitations, then started: all 50 arrive, once each."""
    port = smtp_server.port
    settings.EMAIL_PORT = 1  # stopped
    doctor = login_client(martin)
    for i in range(50):
        doctor.post(
            "/delegations/assistant/ajouter/",
            {
                "last_name": f"Nom{i}",
                "first_name": "Assistante",
                "email": f"assistante{i}@example.org",
                "can_consult": "on",
                "starts_on": TODAY().isoformat(),
                "ends_on": "",
            },
        )
    assert Delegation.objects.count() == 50
    call_command("run_mail_worker", "--once")  # the worker tries, the server is stopped
    assert Message.objects.filter(state=MessageState.PENDING, attempts=1).count() == 50
    assert smtp_server.messages == []
    settings.EMAIL_PORT = port  # started
    call_command("run_mail_worker", "--once")
    call_command("run_mail_worker", "--once")  # a second pass sends nothing more
    assert Message.objects.filter(state=MessageState.SENT).count() == 50
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted(f"assistante{i}@example.org" for i in range(50))


@pytest.mark.skipif(not ON_POSTGRESQL, reason="concurrent workers need real row locking")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_message_once(smtp_server):
    """Four workers released together on the same 60 pending messages: each message leaves exactly once.

    Nothing is sent on commit, so the queue is full when the workers start; the barrier makes them list the
    same due messages and race for each one (a check-then-update claim sends some twice).
    """
    _queue(60)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        try:
            barrier.wait()
            send_due()
        except Exception as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Message.objects.filter(state=MessageState.SENT).count() == 60
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted(f"personne{i}@example.org" for i in range(60))


def test_the_worker_outlives_a_database_outage(monkeypatch):
    # A pass that fails on the database (restarted, unreachable) is logged and the next pass runs; each pass starts
    # by dropping a broken connection.
    from django.db import OperationalError

    from outbox.management.commands import run_mail_worker

    passes, cleanups, waits = [], [], []

    def send_due():
        passes.append(1)
        if len(passes) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return 1, 0

    class Stop(Exception):
        pass

    def wait(connection, timeout):
        waits.append(timeout)
        if len(passes) == 2:
            raise Stop

    monkeypatch.setattr(run_mail_worker, "send_due", send_due)
    monkeypatch.setattr(run_mail_worker, "close_old_connections", lambda: cleanups.append(1))
    monkeypatch.setattr(run_mail_worker.wakeup, "listen", lambda connection: None)
    monkeypatch.setattr(run_mail_worker.wakeup, "wait", wait)
    with pytest.raises(Stop):
        call_command("run_mail_worker", "--interval", "0")
    assert len(passes) == 2 and len(cleanups) == 2 and waits == [0, 0]


# Permanent failures: never retried, shown, bodies gone.


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["a@example.org, b@example.org", "javascript:alert(1)", "Jean <a@example.org>",
                                     "a@example.org\r\nBcc: b@example.org", ""])  # fmt: skip
def test_an_invalid_address_is_never_queued_for_sending(smtp_server, address):
    message = enqueue(key="k1", to=address, subject="S", text="lien secret", html="<p>lien secret</p>", ref="r")
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.last_error and message.failed_at
    assert message.body_text == message.body_html == ""
    assert send_due() == (0, 0) and smtp_server.messages == []


@pytest.mark.django_db
def test_an_invalid_address_queued_earlier_fails_for_good_at_the_first_try(smtp_server):
    _queue(1)
    # As written before addresses were checked: the mail library refuses it (a ValueError), for good.
    Message.objects.update(to="a@example.org, b@example.org")
    assert send_due() == (0, 1)
    message = Message.objects.get()
    assert message.state == MessageState.FAILED and message.attempts == 1 and message.body_text == ""
    Message.objects.update(next_attempt_at=timezone.now())
    assert send_due() == (0, 0) and smtp_server.messages == []


@pytest.mark.django_db
def test_a_bad_header_fails_for_good_at_once(smtp_server, retry_now):
    enqueue(key="k1", to="a@example.org", subject="Docteur Jean\rMARTIN", text="T")
    assert send_due() == (0, 1)
    message = Message.objects.get()
    assert message.state == MessageState.FAILED and message.attempts == 1
    assert "BadHeaderError" in message.last_error and message.body_text == ""
    assert send_due() == (0, 0) and Message.objects.get().attempts == 1  # not retried
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_5xx_refusal_fails_for_good_a_4xx_is_retried(smtp_server, retry_now):
    smtp_server.refuse["inconnue@example.org"] = "550 5.1.1 Mailbox unavailable"
    smtp_server.refuse["pleine@example.org"] = "452 4.2.2 Mailbox full"
    enqueue(key="k1", to="inconnue@example.org", subject="S", text="T")
    enqueue(key="k2", to="pleine@example.org", subject="S", text="T")
    assert send_due() == (0, 2)
    gone = Message.objects.get(idempotency_key="k1")
    later = Message.objects.get(idempotency_key="k2")
    assert gone.state == MessageState.FAILED and "550" in gone.last_error and gone.body_text == ""
    assert later.state == MessageState.PENDING and "452" in later.last_error and later.body_text == "T"
    del smtp_server.refuse["pleine@example.org"]
    assert send_due() == (1, 0)  # the 4xx one, retried; the 5xx one, never again
    assert [m.rcpt_tos for m in smtp_server.received] == [["pleine@example.org"]]


def test_which_errors_are_permanent():
    assert is_permanent(smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no"), "b@x.org": (553, b"no")}))
    assert not is_permanent(smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no"), "b@x.org": (450, b"later")}))
    # The platform's configuration, not the message: retried once fixed, never every queued mail failed for good.
    assert not is_permanent(smtplib.SMTPSenderRefused(553, b"5.1.8 sender refused", "from@x.org"))
    assert not is_permanent(smtplib.SMTPRecipientsRefused({"a@x.org": (554, b"5.7.1 Relay access denied")}))
    assert not is_permanent(smtplib.SMTPDataError(550, b"5.7.1 Sender not authorised"))
    assert is_permanent(smtplib.SMTPDataError(554, b"content refused"))
    assert not is_permanent(smtplib.SMTPDataError(451, b"try later"))
    assert not is_permanent(smtplib.SMTPAuthenticationError(535, b"bad credentials"))  # the configuration's fault
    assert not is_permanent(smtplib.SMTPServerDisconnected("gone"))
    assert not is_permanent(TimeoutError())
    assert not is_permanent(ConnectionRefusedError())
    from django.core.mail import BadHeaderError

    assert is_permanent(BadHeaderError("Header values can't contain newlines"))


@pytest.mark.django_db
def test_a_relay_refusal_or_a_bad_sender_keeps_every_mail_for_later(smtp_server, retry_now, settings):
    """A mail server that refuses to relay for the platform, or a wrong DEFAULT_FROM_EMAIL, would otherwise fail
    the whole queue for good and wipe its invitation links."""
    smtp_server.refuse["a@example.org"] = "554 5.7.1 Relay access denied"
    enqueue(key="k1", to="a@example.org", subject="S", text="lien")
    assert send_due() == (0, 1)
    assert Message.objects.get(idempotency_key="k1").state == MessageState.PENDING
    settings.DEFAULT_FROM_EMAIL = "ne pas répondre <adresse invalide>"
    enqueue(key="k2", to="b@example.org", subject="S", text="lien")
    send_due()
    message = Message.objects.get(idempotency_key="k2")
    assert message.state == MessageState.PENDING and message.body_text == "lien"
    # Configuration fixed: both leave.
    del smtp_server.refuse["a@example.org"]
    settings.DEFAULT_FROM_EMAIL = "ne-pas-repondre@example.org"
    assert send_due() == (2, 0)


@pytest.mark.django_db
def test_a_sent_message_keeps_no_body(smtp_server):
    enqueue(key="k1", to="a@example.org", subject="S", text="https://x/invitation/SECRET/", html="<a>SECRET</a>")
    assert Message.objects.get().body_text  # kept until sent
    send_due()
    message = Message.objects.get()
    assert message.state == MessageState.SENT and message.body_text == message.body_html == ""
    assert (message.to, message.subject, message.sent_at is not None) == ("a@example.org", "S", True)
    assert "SECRET" in smtp_server.to("a@example.org")[0].body
