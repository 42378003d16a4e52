import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Card
from journal.models import Action, Entry
from tests.factories import CardFactory, UserFactory

LOGIN_URL = "/connexion/demo/"


@pytest.fixture(autouse=True)
def demo_on(settings):
    settings.DEMO = True


def post_pin(client, card, pin, **extra):
    return client.post(LOGIN_URL, {"card": card.pk, "pin": pin, **extra})


@pytest.mark.django_db
def test_login_page_offers_the_demo_reader_with_labelled_fields():
    page = Client().get("/connexion/").content.decode()
    assert "Lecteur de carte CPx (démonstration)" in page
    assert '<label for="id_card"' in page and "Carte" in page
    assert '<label for="id_pin"' in page and "Code PIN" in page


@pytest.mark.django_db
def test_demo_reader_is_absent_when_demo_is_off(settings):
    settings.DEMO = False
    card = CardFactory()
    client = Client()
    assert "Lecteur de carte CPx" not in client.get("/connexion/").content.decode()
    assert post_pin(client, card, "1234").status_code == 404
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_right_pin_logs_in_rotates_the_session_and_is_journaled():
    card = CardFactory()
    client = Client()
    client.get("/connexion/")
    session_before = client.cookies.get("sessionid")
    response = post_pin(client, card, "1234")
    assert response.status_code == 302 and response.url == "/dossiers/"
    assert client.session["_auth_user_id"] == str(card.holder.pk)
    assert client.session["card_type"] == "CPS"
    assert session_before is None or client.cookies["sessionid"].value != session_before.value
    entry = Entry.objects.get(action=Action.LOGIN)
    assert entry.actor == card.holder and entry.card_type == "CPS" and entry.login_method == "demo"


@pytest.mark.django_db
def test_session_key_changes_at_login():
    card = CardFactory()
    client = Client()
    session = client.session
    session["marker"] = "x"
    session.save()
    old_key = session.session_key
    post_pin(client, card, "1234")
    assert client.session.session_key != old_key


@pytest.mark.django_db
def test_three_wrong_pins_block_the_card():
    card = CardFactory()
    client = Client()
    first = post_pin(client, card, "0000").content.decode()
    assert "Il vous reste 2 essais" in first
    assert "Il vous reste 1 essai " in post_pin(client, card, "0000").content.decode()
    third = post_pin(client, card, "0000").content.decode()
    assert "bloquée" in third
    card.refresh_from_db()
    assert card.is_blocked and card.failed_attempts == 3
    # The right PIN does not open a blocked card.
    again = post_pin(client, card, "1234").content.decode()
    assert "Cette carte est bloquée" in again
    assert "_auth_user_id" not in client.session
    assert Entry.objects.filter(action=Action.CARD_BLOCKED, actor=card.holder).count() == 1
    assert Entry.objects.filter(action=Action.LOGIN_FAILED, actor=card.holder).count() == 2


@pytest.mark.django_db
def test_a_right_pin_resets_the_failure_count():
    card = CardFactory()
    client = Client()
    post_pin(client, card, "0000")
    post_pin(client, card, "1234")
    card.refresh_from_db()
    assert card.failed_attempts == 0 and not card.is_blocked


@pytest.mark.django_db
def test_expired_card_is_refused():
    card = CardFactory(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    client = Client()
    page = post_pin(client, card, "1234").content.decode()
    assert "a expiré" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_inactive_holder_cannot_log_in():
    card = CardFactory(holder=UserFactory(is_active=False))
    client = Client()
    post_pin(client, card, "1234")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_missing_fields_give_french_messages():
    page = Client().post(LOGIN_URL, {}).content.decode()
    assert "Choisissez une carte." in page
    assert "Saisissez le code PIN de la carte." in page


@pytest.mark.django_db
def test_next_is_followed_only_when_local():
    card = CardFactory()
    assert post_pin(Client(), card, "1234", next="/dossiers/nouveau/").url == "/dossiers/nouveau/"
    assert post_pin(Client(), card, "1234", next="https://evil.example.com/").url == "/dossiers/"


@pytest.mark.django_db
def test_logout_ends_the_session_and_is_journaled():
    card = CardFactory()
    client = Client()
    post_pin(client, card, "1234")
    response = client.post("/connexion/deconnexion/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/dossiers/").status_code == 302
    assert Entry.objects.filter(action=Action.LOGOUT, actor=card.holder).exists()


@pytest.mark.django_db
def test_logout_requires_post():
    assert Client().get("/connexion/deconnexion/").status_code == 405


@pytest.mark.django_db
def test_idle_session_expires(settings):
    card = CardFactory()
    client = Client()
    post_pin(client, card, "1234")
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_TIMEOUT == 1800
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/dossiers/").status_code == 302


@pytest.mark.django_db
def test_login_requires_csrf_token():
    card = CardFactory()
    client = Client(enforce_csrf_checks=True)
    response = post_pin(client, card, "1234")
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


@pytest.mark.django_db
def test_operator_unblocks_a_card_with_the_command(capsys):
    card = CardFactory(is_blocked=True, failed_attempts=3)
    call_command("unblock_card", card.number)
    card.refresh_from_db()
    assert not card.is_blocked and card.failed_attempts == 0
    assert Entry.objects.filter(action=Action.CARD_UNBLOCKED).exists()
    assert Card.objects.get(pk=card.pk).is_blocked is False


@pytest.mark.django_db
def test_activity_pushes_the_idle_expiry_back_at_most_once_per_interval(settings):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_REFRESH_INTERVAL = 60
    card = CardFactory()
    client = Client()
    post_pin(client, card, "1234")
    key = client.session.session_key
    started = timezone.now()

    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/dossiers/").status_code == 200
        return [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]

    # The login saved the session and its refresh mark: the pages within the interval write nothing.
    with mock.patch("accounts.middleware.time.time", return_value=started.timestamp() + 1):
        assert not session_writes()
    with mock.patch("accounts.middleware.time.time", return_value=started.timestamp() + 30):
        assert not session_writes()  # within the interval: no write
    expiry = Session.objects.get(session_key=key).expire_date
    with (
        mock.patch("accounts.middleware.time.time", return_value=started.timestamp() + 61),
        mock.patch("django.utils.timezone.now", return_value=started + datetime.timedelta(seconds=61)),
    ):
        assert session_writes()  # past it: the expiry moves on
    assert Session.objects.get(session_key=key).expire_date > expiry


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_no_session():
    from django.contrib.sessions.models import Session

    Client().get("/connexion/")
    assert not Session.objects.exists()
