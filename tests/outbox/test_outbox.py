"""Durable mail: nothing is lost when the SMTP server is down, nothing is sent twice."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from delegations.models import Delegation
from outbox.models import Message, MessageState
from outbox.services import backoff, deliver, enqueue, send_due
from tests.conftest import login_client

TODAY = timezone.localdate  # the application's date (Paris), not the machine's: they differ near midnight


def _queue(n):
    for i in range(n):
        enqueue(key=f"test-{i}", to=f"personne{i}@example.org", subject=f"Sujet {i}", text="Bonjour", html="<p>B</p>")


@pytest.fixture
def retry_now(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0


@pytest.mark.django_db
def test_enqueue_writes_a_row_and_delivers_after_commit(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(key="k1", to="a@example.org", subject="S", text="T", html="<p>T</p>")
    message = Message.objects.get()
    assert message.state == MessageState.SENT and message.attempts == 1
    [mail] = smtp_server.to("a@example.org")
    assert mail.message["Message-ID"].startswith("<k1@")


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(smtp_server):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(key="k1", to="a@example.org", subject="S", text="T")
        raise RuntimeError
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
    assert message.attempts == 1 and message.next_attempt_at > timezone.now()
    settings.EMAIL_PORT = port  # up again, but the retry is not due yet
    assert send_due() == (0, 0)
    Message.objects.update(next_attempt_at=timezone.now())
    assert send_due() == (1, 0)


@pytest.mark.django_db
def test_server_down_during_50_invitations_then_up(
    martin,
    settings,
    smtp_server,
    retry_now,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The issue's story: SMTP stopped during 50 invitations, then started: all 50 arrive, once each."""
    port = smtp_server.port
    settings.EMAIL_PORT = 1  # stopped
    doctor = login_client(martin)
    with django_capture_on_commit_callbacks(execute=True):
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
    assert Message.objects.filter(state=MessageState.PENDING, attempts=1).count() == 50
    assert smtp_server.messages == []
    settings.EMAIL_PORT = port  # started
    call_command("run_mail_worker", "--once")
    call_command("run_mail_worker", "--once")  # a second pass sends nothing more
    assert Message.objects.filter(state=MessageState.SENT).count() == 50
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted(f"assistante{i}@example.org" for i in range(50))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers need real row locking")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_message_once(smtp_server):
    _queue(40)

    def work():
        try:
            send_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Message.objects.filter(state=MessageState.SENT).count() == 40
    assert len(smtp_server.messages) == 40


def test_the_worker_outlives_a_database_outage(monkeypatch):
    # A pass that fails on the database (restarted, unreachable) is logged and the next pass runs; each pass starts
    # by dropping a broken connection.
    from django.db import OperationalError

    from outbox.management.commands import run_mail_worker

    passes, cleanups = [], []

    def send_due():
        passes.append(1)
        if len(passes) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return 1, 0

    class Stop(Exception):
        pass

    def sleep(seconds):
        if len(passes) == 2:
            raise Stop

    monkeypatch.setattr(run_mail_worker, "send_due", send_due)
    monkeypatch.setattr(run_mail_worker, "close_old_connections", lambda: cleanups.append(1))
    monkeypatch.setattr(run_mail_worker.time, "sleep", sleep)
    with pytest.raises(Stop):
        call_command("run_mail_worker", "--interval", "0")
    assert len(passes) == 2 and len(cleanups) == 2
