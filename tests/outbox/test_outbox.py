"""Durable mail: nothing is lost when the SMTP server is down, nothing is sent twice, nothing is retried forever."""

import smtplib
import threading
from datetime import timedelta

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
    assert Message.objects.get().last_error == ""  # sent: the earlier failure is no longer shown


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


def test_every_5xx_answer_is_permanent_and_a_policy_refusal_never_is():
    # 500 is a 5xx answer like the others (the boundary, not only the usual 550).
    assert is_permanent(smtplib.SMTPRecipientsRefused({"a@x.org": (500, b"syntax error")}))
    assert is_permanent(smtplib.SMTPDataError(500, b"syntax error"))
    # A policy refusal that is not UTF-8 (a server's own language), or whose status follows a space, is still one.
    assert not is_permanent(smtplib.SMTPDataError(550, "5.7.1 Relais refusé".encode("latin-1")))
    assert not is_permanent(smtplib.SMTPRecipientsRefused({"a@x.org": (554, "5.7.1 Refusé".encode("latin-1"))}))
    assert not is_permanent(smtplib.SMTPDataError(550, b" 5.7.1 Sender not authorised"))


@pytest.mark.django_db
def test_a_message_being_sent_is_held_from_any_other_worker(smtp_server, settings, monkeypatch):
    """Claimed for the SMTP conversation: a second worker passing meanwhile does not send it too, and a worker that
    died in the middle (it never finished) leaves it to the others once the claim is too old."""
    from django.core.mail import EmailMultiAlternatives

    _queue(1)
    message = Message.objects.get()
    real_send = EmailMultiAlternatives.send
    seen, passing = [], []

    def send_while_another_worker_passes(email, *args, **kwargs):
        if not passing:  # the other worker's own send, if it wins, goes straight out
            passing.append(1)
            seen.append((deliver(message.pk), Message.objects.get(pk=message.pk).state))
        return real_send(email, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_while_another_worker_passes)
    assert deliver(message.pk) is True
    assert seen == [(False, MessageState.SENDING)] and len(smtp_server.messages) == 1

    class WorkerKilled(BaseException):
        pass

    def die(email, *args, **kwargs):
        raise WorkerKilled

    enqueue(key="k2", to="b@example.org", subject="S", text="T")
    monkeypatch.setattr(EmailMultiAlternatives, "send", die)
    with pytest.raises(WorkerKilled):
        send_due()
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 3600
    assert send_due() == (0, 0)  # still held: its worker may only be slow
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 0
    assert send_due() == (1, 0) and len(smtp_server.to("b@example.org")) == 1


@pytest.mark.django_db
def test_the_html_alternative_leaves_as_html_with_its_accents(smtp_server):
    enqueue(key="k1", to="a@example.org", subject="S", text="Délégation", html="<p>Délégation reçue</p>")
    send_due()
    [mail] = smtp_server.to("a@example.org")
    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None and html.get_content_type() == "text/html"
    assert "<p>Délégation reçue</p>" in html.get_content()


@pytest.mark.django_db
def test_a_permanent_failure_is_dated_wipes_both_bodies_and_names_the_message_in_the_log(smtp_server, caplog):
    smtp_server.refuse["inconnue@example.org"] = "550 5.1.1 Mailbox unavailable"
    message = enqueue(key="k1", to="inconnue@example.org", subject="S", text="lien", html="<a>lien</a>")
    with caplog.at_level("WARNING", logger="outbox.services"):
        assert send_due() == (0, 1)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.failed_at is not None
    assert message.body_text == message.body_html == ""
    assert f"outbox message {message.pk} failed for good: SMTPRecipientsRefused" in caplog.messages


@pytest.mark.django_db
def test_the_error_kept_is_bounded(smtp_server, retry_now, monkeypatch):
    """A server's answer of any length is kept to its first 1 000 characters."""
    from django.core.mail import EmailMultiAlternatives

    def refuse(email, *args, **kwargs):
        raise smtplib.SMTPDataError(451, "x" * 5000)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    message = enqueue(key="k1", to="a@example.org", subject="S", text="T")
    assert send_due() == (0, 1)
    message.refresh_from_db()
    assert message.state == MessageState.PENDING and len(message.last_error) == 1000
    assert message.last_error.startswith("SMTPDataError: (451, 'xxx")


@pytest.mark.django_db
def test_the_log_names_each_message_not_sent_its_attempt_and_the_error(settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 5  # nobody listens
    with caplog.at_level("WARNING", logger="outbox.services"):
        refused = enqueue(key="k-refused", to="a@example.org, b@example.org", subject="S", text="T")
        message = enqueue(key="k1", to="a@example.org", subject="S", text="T")
        send_due()
    assert "outbox message k-refused refused: invalid recipient address" in caplog.messages
    assert f"outbox message {message.pk} not sent (attempt 1): ConnectionRefusedError" in caplog.messages
    assert refused.state == MessageState.FAILED


@pytest.mark.django_db
def test_a_message_without_html_or_reference_has_none(mailoutbox):
    message = enqueue(key="k1", to="a@example.org", subject="S", text="Bonjour")
    assert (message.body_html, message.ref) == ("", "")
    send_due()
    [mail] = mailoutbox
    assert mail.body == "Bonjour" and mail.alternatives == []


@pytest.mark.django_db
def test_one_pass_sends_at_most_100_messages_the_longest_due_first(mailoutbox):
    _queue(101)
    late = Message.objects.get(idempotency_key="test-100")
    Message.objects.filter(pk=late.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert send_due() == (100, 0)
    assert mailoutbox[0].to == ["personne100@example.org"]  # due for an hour: first
    assert Message.objects.get(idempotency_key="test-99").state == MessageState.PENDING
    assert send_due() == (1, 0)


@pytest.mark.django_db
def test_a_message_another_worker_sent_meanwhile_is_not_counted_as_not_sent(mailoutbox, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    _queue(2)
    first, second = Message.objects.order_by("id")
    enqueue(key="later", to="c@example.org", subject="S", text="T")  # pending, not due yet
    Message.objects.filter(idempotency_key="later").update(next_attempt_at=timezone.now() + timedelta(hours=1))
    real_send = EmailMultiAlternatives.send
    passing = []

    def send_while_another_worker_passes(email, *args, **kwargs):
        if not passing:
            passing.append(1)
            assert deliver(second.pk) is True  # the other worker takes the second message
        return real_send(email, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_while_another_worker_passes)
    assert send_due() == (1, 0)  # listed before the other worker sent it: neither sent nor failed by this pass
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_refused_address_is_kept_with_what_the_sender_sees_cut_to_the_columns():
    """What the doctor and the operator see of a refused message: its key, address, subject and reference, the longest
    cut to the columns' 300 characters (PostgreSQL refuses longer)."""
    address, subject = "a" * 400 + "@", "S" * 400
    message = enqueue(key="k1", to=address, subject=subject, text="T", ref="delegation-7")
    message = Message.objects.get(pk=message.pk)
    assert (message.idempotency_key, message.to, message.subject, message.ref) == (
        "k1",
        address[:300],
        subject[:300],
        "delegation-7",
    )
