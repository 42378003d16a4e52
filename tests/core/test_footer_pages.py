"""The footer's pages: public, static, and cheap (the base template and text, no query of their own)."""

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.views import duration

PAGES = {
    "/accessibilite/": "Déclaration d'accessibilité",
    "/mentions-legales/": "Mentions légales",
    "/donnees-personnelles/": "Données personnelles",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "heading"), PAGES.items())
def test_a_footer_page_is_public_and_reads_nothing_from_the_database(url, heading):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert [query["sql"] for query in queries.captured_queries] == []


@pytest.mark.django_db
def test_every_page_carries_the_mandatory_footer_links():
    footer = Client().get("/connexion/").content.decode().split('<footer class="fr-footer"')[1]
    for url, text in [
        ("/accessibilite/", "Accessibilité : partiellement conforme"),
        ("/mentions-legales/", "Mentions légales"),
        ("/donnees-personnelles/", "Données personnelles"),
    ]:
        assert f'<a class="fr-footer__bottom-link" href="{url}">{text}</a>' in footer


def page(url):
    return html.unescape(Client().get(url).content.decode())


@pytest.mark.django_db
def test_the_legal_notice_gives_the_operators_contact_the_other_pages_send_to(settings):
    settings.SUPPORT_EMAIL, settings.SUPPORT_PHONE = "support@example.org", "01 23 45 67 89"
    notice = page("/mentions-legales/")
    assert 'par courriel à <a href="mailto:support@example.org">support@example.org</a>' in notice
    assert "ou par téléphone au 01 23 45 67 89." in notice
    settings.SUPPORT_PHONE = ""
    assert "par courriel à" in page("/mentions-legales/") and "téléphone au" not in page("/mentions-legales/")
    settings.SUPPORT_EMAIL = ""
    assert "par les moyens de contact qu'il vous a communiqués" in page("/mentions-legales/")


@pytest.mark.django_db
def test_personal_data_says_the_durations_the_settings_apply(settings):
    text = page("/donnees-personnelles/")
    assert "30 minutes sans activité" in text and "valable 7 jours," in text
    settings.SESSION_IDLE_TIMEOUT, settings.INVITATION_VALIDITY_DAYS = 3600, 1
    text = page("/donnees-personnelles/")
    assert "1 heure sans activité" in text and "valable 1 jour," in text


def test_durations_in_words():
    assert [duration(s) for s in (1800, 60, 7200, 90, 1)] == [
        "30 minutes",
        "1 minute",
        "2 heures",
        "90 secondes",
        "1 seconde",
    ]
