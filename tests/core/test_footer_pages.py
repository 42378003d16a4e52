"""The footer's pages: public, static, and cheap (the base template and text, no query of their own)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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
