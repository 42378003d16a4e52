"""The forms, walked as their users would (issue « A day without friction », items of sections 1 and 2).

Dr Claire DUBOIS types a volet médical for Dr Jean MARTIN while he deletes her delegation; Dr MARTIN grants rights
(the checkbox group, its hints, the rights ticked with the one they need, every error at once in a summary), meets
a delegation already in force as soon as he chooses the colleague; Dr DUBOIS validates in his name on a page that
says so. axe-core at 1280 and 375 px on each screen; SCREENSHOTS_DIR (optional) keeps them.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations import services
from delegations.models import Delegation, Kind, State
from dossiers.models import Dossier, Status
from journal.models import Action, Entry
from tests.conftest import actor_for

from .helpers import CLAIRE_DUBOIS, JEAN_MARTIN, assert_accessible_at_both_widths, field, log_in

pytestmark = pytest.mark.browser

TYPED = "Hypertension artérielle depuis 2015.\nFracture du col du fémur en 2023."


def delegation_to_dubois(*rights: str) -> Delegation:
    martin, dubois = User.objects.get(last_name="MARTIN"), User.objects.get(last_name="DUBOIS")
    return Delegation.objects.create(
        doctor=martin.professional,
        kind=Kind.COLLEAGUE,
        colleague=dubois.professional,
        delegate=dubois,
        invited_first_name="Claire",
        invited_last_name="DUBOIS",
        invited_email="claire.dubois@example.org",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        state=State.ACCEPTED,
        created_by=martin,
        answered_at=timezone.now(),
        **{f"can_{right}": True for right in ["consult", *rights]},
    )


def act_for_martin(page: Page) -> None:
    log_in(page, CLAIRE_DUBOIS)
    page.get_by_role("link", name="Délégations reçues").click()
    page.get_by_role("button", name=re.compile(r"^Agir au nom d")).click()
    expect(page.get_by_text("Vous agissez au nom du médecin Jean MARTIN")).to_be_visible()


def martin_card():
    return User.objects.get(last_name="MARTIN").cards.get()


def test_a_delegation_withdrawn_while_the_delegate_types(page: Page):
    delegation = delegation_to_dubois("edit")
    act_for_martin(page)
    page.get_by_role("link", name="André GIRARD").click()
    field(page, "Antécédents").fill(TYPED)
    field(page, "GIR").select_option(label="GIR 3")

    # Meanwhile Dr MARTIN deletes the delegation.
    services.delete_delegation(actor=actor_for(martin_card()), delegation_id=delegation.pk)
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rien n'a été enregistré")
    delegation.refresh_from_db()
    when = timezone.localtime(delegation.deleted_at).strftime("%d/%m/%Y à %H:%M")
    expect(page.locator("main")).to_contain_text(f"Votre délégation du médecin Jean MARTIN a pris fin le {when}.")
    typed = page.get_by_label("Antécédents")
    expect(typed).to_have_value(TYPED)
    expect(typed).not_to_be_editable()  # read-only, to copy
    expect(page.get_by_label("GIR")).to_have_value("GIR 3")
    expect(page.locator("main")).not_to_contain_text("GIRARD")  # nothing of the dossier she no longer sees
    dossier = Dossier.objects.get(patient__birth_name="GIRARD")
    assert dossier.antecedents != TYPED and dossier.gir is None
    assert not Entry.objects.filter(dossier=dossier, action=Action.MEDICAL_UPDATED).exists()
    assert_accessible_at_both_widths(page, "travail-non-enregistre")


def test_a_right_removed_while_the_delegate_types(page: Page):
    delegation = delegation_to_dubois("edit")
    act_for_martin(page)
    page.get_by_role("link", name="Lucienne FAURE").click()
    field(page, "Commentaire").fill("À revoir avec la famille.")
    services.modify_delegation(
        actor=actor_for(martin_card()),
        delegation_id=delegation.pk,
        rights=["consult"],
        starts_on=delegation.starts_on,
        ends_on=delegation.ends_on,
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rien n'a été enregistré")
    expect(page.locator("main")).to_contain_text("ne comprend plus le droit « Modifier les dossiers »")
    expect(page.get_by_label("Commentaire")).to_have_value("À revoir avec la famille.")


def test_granting_rights_the_group_its_hints_and_every_error_at_once(page: Page):
    log_in(page, JEAN_MARTIN)
    page.goto("/delegations/assistant/ajouter/")
    rights = page.get_by_role("group", name=re.compile("^Droits accordés"))
    expect(rights.locator(".fr-fieldset__element")).to_have_count(3)  # one right a line
    expect(rights).not_to_contain_text("Optionnel")
    consult, edit = field(page, "Consulter les dossiers"), field(page, "Modifier les dossiers")
    expect(edit).to_have_accessible_description(re.compile("envoyer un dossier et l'archiver"))

    # Ticking « Modifier les dossiers » ticks « Consulter les dossiers » on screen; unticking it unticks both.
    page.locator("label[for=id_can_edit]").click()
    expect(edit).to_be_checked()
    expect(consult).to_be_checked()
    expect(page.locator("#id_droits-annonce")).to_contain_text("« Consulter les dossiers » a été coché aussi")
    page.locator("label[for=id_can_consult]").click()
    expect(consult).not_to_be_checked()
    expect(edit).not_to_be_checked()

    # Everything wrong at once: the summary at the top, focused, each error linked to its field.
    field(page, "Date de fin").fill("2000-01-01")
    page.get_by_role("button", name="Ajouter la délégation").click()
    expect(page).to_have_title(re.compile("^Erreur : Ajouter une délégation de droits"))
    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 5 erreurs")
    for text in (
        "Nom : Saisissez le nom.",
        "Prénom : Saisissez le prénom.",
        "Adresse électronique : Saisissez l'adresse électronique.",
        "Droits accordés : Cochez au moins un droit.",
        "Date de fin : La date de fin doit suivre la date de début.",
    ):
        expect(summary.get_by_role("link", name=text)).to_be_visible()
    assert_accessible_at_both_widths(page, "droits-erreurs")
    summary.get_by_role("link", name="Prénom : Saisissez le prénom.").click()
    expect(field(page, "Prénom")).to_be_focused()
    summary.get_by_role("link", name="Droits accordés : Cochez au moins un droit.").click()
    expect(consult).to_be_focused()


def test_a_delegation_in_force_is_said_when_the_colleague_is_chosen(page: Page):
    delegation_to_dubois("edit")
    log_in(page, JEAN_MARTIN)
    page.goto("/delegations/medecin/ajouter/")
    field(page, "Nom").fill("Dubois")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Sélectionner Claire DUBOIS").click()
    expect(page.get_by_role("heading", name="Une délégation est déjà en cours pour Claire DUBOIS")).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter", exact=True)).to_have_count(0)
    assert_accessible_at_both_widths(page, "delegation-deja-en-cours")
    page.get_by_role("link", name="Modifier la délégation de Claire DUBOIS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier la délégation à Claire DUBOIS")


def test_validating_in_the_doctors_name_is_confirmed_on_its_own_page(page: Page):
    delegation_to_dubois("edit", "validate")
    act_for_martin(page)
    page.get_by_role("link", name="Yvette ROUSSEAU").click()
    page.get_by_role("link", name="Valider le volet médical").click()

    # Nothing signed yet, and what is missing is listed, with a link to it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Valider le volet médical")
    missing = page.get_by_role("alert")
    expect(missing).to_contain_text("Ce volet médical ne peut pas encore être validé")
    expect(page.get_by_role("button", name="Valider le volet médical")).to_have_count(0)
    assert_accessible_at_both_widths(page, "valider-incomplet")
    missing.get_by_role("link", name="GIR").click()
    expect(field(page, "GIR")).to_be_focused()
    field(page, "GIR").select_option(label="GIR 2")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le volet médical a été enregistré.")).to_be_visible()

    page.get_by_role("link", name="Valider le volet médical").click()
    expect(page.get_by_role("heading", name="Vous allez valider au nom du médecin Jean MARTIN")).to_be_visible()
    expect(page.locator("main")).to_contain_text("avec votre propre carte CPS")
    expect(page.get_by_role("region", name="Ce que vous signez")).to_contain_text("GIR 2")
    assert_accessible_at_both_widths(page, "valider-au-nom-de")
    page.get_by_role("button", name="Valider le volet médical").click()
    expect(page.get_by_text("Le volet médical a été validé et signé.")).to_be_visible()
    dossier = Dossier.objects.get(patient__birth_name="ROUSSEAU")
    assert dossier.status == Status.VALIDATED and dossier.validated_by.last_name == "DUBOIS"
    entry = Entry.objects.filter(dossier=dossier, action=Action.MEDICAL_VALIDATED).get()
    assert entry.is_delegated and entry.on_behalf_of == User.objects.get(last_name="MARTIN").professional
