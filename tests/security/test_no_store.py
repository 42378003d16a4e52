"""Pages that show health data are never kept by a browser or a proxy: `Cache-Control: no-store` on every page a
logged-in user sees (core.middleware.NoStoreMiddleware); the public login page is left cacheable."""

import pytest
from django.test import Client

from delegations.models import State
from tests.conftest import login_client, make_delegation


def assert_no_store(response, url):
    assert response.status_code == 200, url
    assert "no-store" in response.get("Cache-Control", ""), url


@pytest.mark.django_db
def test_every_page_of_a_logged_in_doctor_says_no_store(martin, sophie):
    from tests.factories import DossierFactory

    dossier = DossierFactory(medecin_traitant=martin.holder.professional)
    delegation = make_delegation(martin, sophie, state=State.ACCEPTED)
    client = login_client(martin)
    for url in [
        "/dossiers/",
        f"/dossiers/{dossier.number}/",
        f"/dossiers/{dossier.number}/historique/",
        "/dossiers/nouveau/",
        "/delegations/",
        f"/delegations/{delegation.pk}/",
        "/delegations/recues/",
        "/annuaire/",
    ]:
        assert_no_store(client.get(url), url)


@pytest.mark.django_db
def test_the_delegate_pages_say_no_store(martin, sophie):
    from tests.factories import DossierFactory

    dossier = DossierFactory(medecin_traitant=martin.holder.professional)
    delegation = make_delegation(martin, sophie, state=State.ACCEPTED)
    client = login_client(sophie)
    assert_no_store(client.get("/delegations/recues/"), "recues")
    assert client.post(f"/delegations/agir/{delegation.pk}/").status_code == 302
    for url in ["/dossiers/", f"/dossiers/{dossier.number}/", f"/dossiers/{dossier.number}/historique/"]:
        assert_no_store(client.get(url), url)


@pytest.mark.django_db
def test_the_public_login_page_needs_no_no_store():
    response = Client().get("/connexion/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
