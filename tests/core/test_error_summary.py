"""One error summary for every form of the project (base.html, core.forms.error_summary): every error at once,
each linked to its field, « Erreur : » before the page title; none on a page whose forms were not refused."""

import html
import re

import pytest

from tests.conftest import login_client
from tests.factories import DelegationFactory


def summary(response) -> tuple[str, list[tuple[str, str]]]:
    page = html.unescape(response.content.decode())
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    block = re.search(r'<div class="fr-alert fr-alert--error[^"]*" id="resume-erreurs".*?</ul>', page, re.S)
    links = re.findall(r'<li><a href="([^"]*)">(.*?)</a></li>', block.group(0)) if block else []
    return title, links


@pytest.mark.django_db
def test_a_refused_form_of_any_page_says_every_error_at_once(doctor_card):
    """The new dossier form knows nothing of the summary: the base template draws it."""
    client = login_client(doctor_card)
    title, links = summary(client.post("/dossiers/nouveau/", {"dossier_type": "EHPAD", "birth_date": "2999-01-01"}))
    assert title.startswith("Erreur : Nouveau dossier")
    assert links == [
        ("#id_birth_name", "Nom de naissance : Saisissez le nom de naissance."),
        ("#id_first_name", "Prénom : Saisissez le prénom."),
        ("#id_birth_date", "Date de naissance : La date de naissance ne peut pas être dans le futur."),
        ("#id_sex_0", "Sexe : Indiquez le sexe."),  # a group of radios: its first
    ]


@pytest.mark.django_db
def test_no_summary_nor_erreur_when_nothing_was_refused(doctor_card):
    title, links = summary(login_client(doctor_card).get("/dossiers/nouveau/"))
    assert not title.startswith("Erreur") and links == []


@pytest.mark.django_db
def test_the_rights_problems_and_an_existing_delegation_come_with_the_rest(doctor_card):
    """« Une délégation est déjà en cours » is said in the same round as the other errors, with a link to it."""
    existing = DelegationFactory(doctor=doctor_card.holder.professional, pending=True, invited_email="s@example.org")
    response = login_client(doctor_card).post(
        "/delegations/assistant/ajouter/", {"email": "S@example.org", "starts_on": "", "ends_on": ""}
    )
    title, links = summary(response)
    assert title.startswith("Erreur : ")
    texts = [text for _, text in links]
    assert "Droits accordés : Cochez au moins un droit." in texts
    assert "Date de début : Saisissez la date de début." in texts
    assert any(text.startswith("Adresse électronique : Une délégation est déjà en cours") for text in texts)
    page = html.unescape(response.content.decode())
    assert f'href="/delegations/{existing.pk}/modifier/">Modifier la délégation de Sophie BERNARD</a>' in page


@pytest.mark.django_db
def test_the_rights_are_a_dsfr_checkbox_group_with_the_policys_hints(doctor_card):
    from delegations.policy import RIGHTS

    page = html.unescape(login_client(doctor_card).get("/delegations/assistant/ajouter/").content.decode())
    group = page[page.index('<fieldset class="fr-fieldset" id="id_droits"') : page.index("</fieldset>")]
    assert group.count('<div class="fr-fieldset__element">') == 3 and "Optionnel" not in group
    for policy in RIGHTS.values():
        if not policy.signs:
            assert f'<p class="fr-hint-text app-checkbox-hint" id="id_{policy.field}-hint">{policy.hint}</p>' in group
    # The rights that need « Consulter les dossiers » tick it on screen (core/static/core/forms.js).
    assert 'data-implies="id_can_consult"' in group and group.count("data-implies") == 2
