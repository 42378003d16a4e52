"""Mon compte: the person's own cards, directory identifiers, login method and last logins; nobody else's."""

import html

import pytest
from django.test import Client

from accounts.actor import Actor
from accounts.selectors import LAST_LOGINS
from journal.models import Action
from journal.services import record
from tests.conftest import login_client
from tests.factories import CardFactory, PracticePlaceFactory, UserFactory


def log_login(card, *, failed: bool = False, detail: str = "") -> None:
    fields = Actor(user=card.holder, card_type=card.card_type, login_method="demo").journal_fields()
    record(action=Action.LOGIN_FAILED if failed else Action.LOGIN, **fields, detail=detail)


def page(client) -> str:
    response = client.get("/compte/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_a_doctor_sees_his_card_his_identifiers_and_how_he_logged_in(doctor_card):
    pro = doctor_card.holder.professional
    PracticePlaceFactory(professional=pro, commune="LYON", postal_code="69003")
    log_login(doctor_card, failed=True, detail="code PIN erroné")
    log_login(doctor_card)
    text = page(login_client(doctor_card))
    assert "<h1>Mon compte</h1>" in text
    assert "« Lecteur de carte CPx (démonstration) », avec votre carte CPS" in text
    assert doctor_card.number in text and "Valide" in text
    assert pro.national_id in text and pro.identifier in text and "69003 LYON" in text
    assert "Connexion réussie" in text and "Connexion refusée : code PIN erroné" in text


@pytest.mark.django_db
def test_only_ones_own_account(doctor_card, other_doctor_card):
    for _ in range(3):
        log_login(other_doctor_card)
    other_card = CardFactory(card_type="CPS", holder=other_doctor_card.holder)
    text = page(login_client(doctor_card))
    assert "Connexion réussie" not in text  # the other doctor's logins
    assert other_card.number not in text and other_doctor_card.number not in text
    assert other_doctor_card.holder.professional.national_id not in text
    assert other_doctor_card.holder.display_name not in text


@pytest.mark.django_db
def test_the_last_logins_are_bounded(doctor_card):
    for _ in range(LAST_LOGINS + 5):
        log_login(doctor_card)
    assert page(login_client(doctor_card)).count("Connexion réussie") == LAST_LOGINS


@pytest.mark.django_db
def test_a_card_holder_outside_the_directory(assistant_card):
    text = page(login_client(assistant_card))
    assert "Vous ne figurez pas dans l'annuaire national" in text
    assert assistant_card.holder.identifier in text


@pytest.mark.django_db
def test_the_header_name_links_to_mon_compte(doctor_card):
    text = login_client(doctor_card).get("/dossiers/").content.decode()
    assert '<a class="fr-btn fr-icon-account-circle-line" href="/compte/">' in text


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in():
    response = Client().get("/compte/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.django_db
def test_a_session_without_a_card_says_no_empty_method_nor_card():
    """An operator's session (Django's admin login): no card, no login method of the card reader."""
    client = Client()
    client.force_login(UserFactory(first_name="Odile", last_name="OPERATRICE"))
    text = page(client)
    assert "Vous êtes connecté(e) en tant que <strong>Odile OPERATRICE</strong>.</p>" in text
    assert "«  »" not in text and "avec votre carte ." not in text
