"""Nothing outside the database can stall a request, and no mail is retried forever or keeps its link.

Through the real views: invitations answered at once while the SMTP server is silent, delivered by the worker once
it answers; a refused address shown to the doctor and to the operator; no invitation token left in the outbox.
"""

import html
import re
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from accounts.models import User
from delegations.models import Delegation
from outbox import wakeup
from outbox.models import Message, MessageState
from outbox.services import enqueue
from tests.conftest import login_client
from tests.delegations.test_flows import invite_sophie, link_in
from tests.factories import PracticePlaceFactory
from tests.mail import HOST, _free_port, run_worker

ON_POSTGRESQL = connection.vendor == "postgresql"
SOPHIE = "sophie.bernard@example.org"


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


class SilentThenAnswering:
    """A TCP server on 127.0.0.1 that accepts SMTP connections and says nothing until `answer()`; from then on each
    connection (waiting ones included) is passed through to the real SMTP server `upstream`."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.port = _free_port()
        self.answering = threading.Event()
        self.stopped = threading.Event()
        self.accepted = 0
        self.listener = socket.create_server((HOST, self.port))
        self.listener.settimeout(0.1)
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def answer(self):
        self.answering.set()

    def stop(self):
        self.stopped.set()
        self.answering.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.listener.close()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, client):
        with client:
            self.answering.wait()
            if self.stopped.is_set():
                return
            with socket.create_connection((HOST, self.upstream_port)) as upstream:
                pump = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
                pump.start()
                self._pipe(client, upstream)
                pump.join(timeout=5)

    @staticmethod
    def _pipe(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


@pytest.fixture
def silent_smtp(settings, smtp_server):
    server = SilentThenAnswering(smtp_server.port)
    settings.EMAIL_PORT = server.port
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)  # real commits: whatever a request does after commit really runs
def test_a_silent_smtp_server_stalls_no_request(martin, smtp_server, silent_smtp):
    """The SMTP server accepts and never answers; 20 invitations in a row each answer without
    opening any SMTP connection (one that did would wait EMAIL_TIMEOUT); every mail leaves once the server answers.
    No timing: a busy machine (parallel tests) makes any bound flaky, the connection count is exact."""
    doctor = login_client(martin)
    for i in range(20):
        response = invite_sophie(doctor, email=f"assistante{i}@example.org", last_name=f"Nom{i}")
        assert response.status_code == 302
        assert silent_smtp.accepted == 0, f"invitation {i} opened an SMTP connection"
    assert Delegation.objects.count() == 20 and silent_smtp.accepted == 0
    silent_smtp.answer()
    assert run_worker() == (20, 0)
    assert run_worker() == (0, 0)
    recipients = sorted(mail.rcpt_tos[0] for mail in smtp_server.received)
    assert recipients == sorted(f"assistante{i}@example.org" for i in range(20))  # each exactly once


@pytest.mark.django_db(transaction=True)
def test_the_running_worker_sends_an_invitation_within_seconds(settings, martin, smtp_server):
    """`run_mail_worker` as `make run` and production run it. On PostgreSQL the poll is set far away, so only the
    NOTIFY sent at commit can wake it in time; on SQLite it polls every OUTBOX_POLL_SECONDS."""
    settings.OUTBOX_POLL_SECONDS = 60 if ON_POSTGRESQL else 0.2
    stop, waiting = threading.Event(), threading.Event()
    real_wait = wakeup.wait

    class Stop(Exception):
        pass

    def wait(conn, timeout):
        waiting.set()  # its first pass is done: from now on only a wake-up brings the invitation in time
        real_wait(conn, timeout)
        if stop.is_set():
            raise Stop

    def worker():
        try:
            call_command("run_mail_worker")
        except Stop:
            pass
        finally:
            connection.close()

    from outbox.management.commands import run_mail_worker

    original, run_mail_worker.wakeup.wait = run_mail_worker.wakeup.wait, wait
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        assert waiting.wait(10)
        assert invite_sophie(login_client(martin)).status_code == 302
        deadline = time.monotonic() + 5
        while not smtp_server.to(SOPHIE) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp_server.to(SOPHIE)) == 1
    finally:
        stop.set()
        if ON_POSTGRESQL:
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {wakeup.CHANNEL}")  # wake it to stop
        thread.join(timeout=10)
        run_mail_worker.wakeup.wait = original
    assert not thread.is_alive()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="LISTEN/NOTIFY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_notify_is_delivered_at_commit_and_not_on_rollback():
    wakeup.listen(connection)
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(key="k0", to="a@example.org", subject="S", text="T")
        raise RuntimeError
    assert wakeup.wait(connection, 0.3) is False  # rolled back: nobody woken
    with transaction.atomic():
        enqueue(key="k1", to="a@example.org", subject="S", text="T")
    assert wakeup.wait(connection, 5) is True
    assert wakeup.wait(connection, 0.1) is False  # drained: one wake-up per batch


def test_on_sqlite_the_worker_sleeps_for_the_poll_interval(monkeypatch):
    class Fake:
        vendor = "sqlite"

    slept = []
    monkeypatch.setattr(wakeup.time, "sleep", slept.append)
    wakeup.notify(Fake())  # nothing to do, nothing raised
    wakeup.listen(Fake())
    assert wakeup.wait(Fake(), 1.5) is False and slept == [1.5]


# A message that can never be sent.


@pytest.mark.django_db
def test_a_refused_address_is_shown_to_the_doctor_and_the_operator_and_not_retried(martin, smtp_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0
    smtp_server.refuse[SOPHIE] = "550 5.1.1 Mailbox unavailable"
    doctor = login_client(martin)
    invite_sophie(doctor)
    assert run_worker() == (0, 1)
    assert run_worker() == (0, 0)  # never retried
    message = Message.objects.get()
    assert message.state == MessageState.FAILED and message.attempts == 1
    page = text(doctor.get("/delegations/"))
    assert "Le courriel n'a pas pu être envoyé à cette adresse. Vérifiez-la" in page
    assert "sinon, renvoyez l'invitation." in page
    # The admin opens only to a session opened by its own login (tests/security/test_operators.py).
    operator = User.objects.create_superuser("operateur.durand", "mot de passe de l'opérateur")
    admin = Client()
    login = {"username": operator.identifier, "password": "mot de passe de l'opérateur", "next": "/gestion/"}
    assert admin.post("/gestion/login/", login).status_code == 302
    listing = text(admin.get("/gestion/outbox/message/", {"state__exact": "failed"}))
    assert SOPHIE in listing and "Échec définitif" in listing and "550" in listing


@pytest.mark.django_db
def test_no_invitation_token_stays_in_the_outbox_once_sent(martin, smtp_server):
    def raw_rows() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM outbox_message")
            return repr(cursor.fetchall())

    invite_sophie(login_client(martin))
    assert run_worker() == (1, 0)
    token = link_in(smtp_server.to(SOPHIE)[0]).rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 20 and token not in raw_rows()
    assert SOPHIE in raw_rows()  # what the delivery state needs stays


@pytest.mark.django_db
def test_the_invitation_token_is_in_the_queue_until_sent(martin):
    # The test above would pass if the token never reached the outbox: it does, until the worker sends it.
    invite_sophie(login_client(martin))
    [body] = Message.objects.values_list("body_text", flat=True)
    assert "/delegations/invitation/" in body


# Addresses and names checked at entry and at import.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "a@example.org, b@example.org",
        "javascript:alert(1)",
        "Sophie <sophie@example.org>",
        "a@b@c.org",
        "sophie@exa\u200bmple.org",  # a zero-width space: Django's EmailField took it, the outbox would not send it
    ],
)
def test_the_form_accepts_one_bare_address_only(martin, address):
    response = invite_sophie(login_client(martin), email=address)
    assert response.status_code == 200 and "Saisissez une adresse valide." in text(response)
    assert not Delegation.objects.exists() and not Message.objects.exists()


@pytest.mark.django_db
def test_control_characters_in_a_typed_name_become_spaces(martin, smtp_server):
    invite_sophie(login_client(martin), last_name="Bernard\rDUPONT\x00", first_name="\tSophie\n")
    delegation = Delegation.objects.get()
    assert (delegation.invited_first_name, delegation.invited_last_name) == ("Sophie", "Bernard DUPONT")


@pytest.mark.django_db
def test_a_doctors_name_with_a_carriage_return_does_not_stop_his_mails(martin, smtp_server):
    # A name stored before names were cleaned (or by another way in): the subject quoting it is cleaned too.
    professional = martin.holder.professional
    type(professional).objects.filter(pk=professional.pk).update(first_name="Jean\rPierre")
    invite_sophie(login_client(martin))
    assert run_worker() == (1, 0)
    assert "Jean Pierre MARTIN" in smtp_server.to(SOPHIE)[0].subject


@pytest.mark.django_db
def test_a_directory_address_that_is_not_one_address_is_never_used():
    from directory.models import Professional

    bad = PracticePlaceFactory(email="a@example.org, b@example.org")
    professional = bad.professional
    PracticePlaceFactory(professional=professional, email="claire.dubois@example.org")
    assert Professional.objects.get(pk=professional.pk).first_email == "claire.dubois@example.org"
    professional.places.exclude(pk=bad.pk).delete()
    assert Professional.objects.get(pk=professional.pk).first_email == ""


@pytest.mark.django_db
def test_a_failed_mail_about_a_deleted_delegation_gives_no_advice_to_delete_it(martin, smtp_server):
    smtp_server.refuse[SOPHIE] = "550 5.1.1 Mailbox unavailable"
    doctor = login_client(martin)
    invite_sophie(doctor)
    doctor.post(f"/delegations/{Delegation.objects.get().pk}/supprimer/")
    run_worker()
    page = text(doctor.get("/delegations/"))
    assert "Le courriel n'a pas pu être envoyé à cette adresse." in page and "supprimez cette délégation" not in page
