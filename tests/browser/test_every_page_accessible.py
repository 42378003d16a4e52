"""axe-core finds no violation at all (every impact, minor included) on every page of the demo story.

The story as `make run` offers it, each page seen by the person who uses it, at 1280 px and at 375 px: logged out
(login and the card reader, a wrong PIN, the footer's pages, the demo mails, a page not found), Dr Jean MARTIN (his
dossiers, a dossier, its history, the volet médical, a new dossier, the validation's confirmation, Mon compte, MES
DELEGATIONS empty and with rows in several states, adding an assistant (sent empty: the error summary) or a
colleague, a delegation's detail, modification and deletion, the Annuaire, « Actions faites en mon nom » and « Mes
préférences », a 403), then Sophie BERNARD following the
invitation link of the demo mails (the invitation, the received delegations, Martin's dossiers on his behalf). Every
violation of the walk is listed at the end, page by page, not only the first.
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations.models import Delegation
from directory.models import Professional
from dossiers.models import Dossier
from tests.factories import DelegationFactory
from tests.mail import run_worker

from .helpers import CLAIRE_DUBOIS, DEMO_PIN, JEAN_MARTIN, axe_violations, field, log_in, submit_pin
from .test_delegation_stories import SOPHIE_BERNARD, SOPHIE_MAIL, log_out, tick

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)
MARC_PETIT = "Marc PETIT — CPA n° 8000000006"
ANNE_LEFEVRE = "Anne LEFEVRE — CPS n° 8000000004"


class Walk:
    """Runs axe at both widths on each page visited and keeps every violation (and, with SCREENSHOTS_DIR, a
    screenshot per page and width)."""

    def __init__(self, page: Page):
        self.page = page
        self.found: list[str] = []
        self.folder = os.environ.get("SCREENSHOTS_DIR")
        self.names: set[str] = set()

    def check(self, name: str, heading: str | re.Pattern | None = None, widths: tuple[int, ...] = WIDTHS) -> None:
        assert name not in self.names, name
        self.names.add(name)
        if heading is not None:
            expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        for width in widths:
            self.page.set_viewport_size({"width": width, "height": 900})
            for violation in axe_violations(self.page):
                targets = ", ".join(str(node["target"]) for node in violation["nodes"])
                self.found.append(f"{name} @{width}: {violation['id']} ({violation['impact']}) {targets}")
            if self.folder:
                Path(self.folder).mkdir(parents=True, exist_ok=True)
                self.page.screenshot(path=str(Path(self.folder) / f"axe-{name}-{width}.png"), full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def visit(self, name: str, url: str, heading: str | re.Pattern | None = None) -> None:
        self.page.goto(url)
        self.check(name, heading)


def test_every_page_of_the_demo_story_has_no_axe_violation(page: Page, demo_mail):
    walk = Walk(page)
    martin = Professional.objects.get(identifier="99700001011")
    claire = Professional.objects.get(identifier="99700001029")
    paul = Professional.objects.get(identifier="99700001037")
    yvette = Dossier.objects.get(patient__birth_name="ROUSSEAU")

    # Logged out.
    walk.visit("connexion", "/connexion/", "Se connecter")
    submit_pin(page, JEAN_MARTIN, "0000")
    walk.check("connexion-code-faux", "Se connecter")
    for _ in range(3):
        submit_pin(page, ANNE_LEFEVRE, "0000")
    expect(page.get_by_role("main")).to_contain_text("bloquée")
    walk.check("connexion-carte-bloquee", "Se connecter")
    walk.visit("accessibilite", "/accessibilite/", "Déclaration d'accessibilité")
    walk.visit("mentions-legales", "/mentions-legales/", "Mentions légales")
    walk.visit("donnees-personnelles", "/donnees-personnelles/", "Données personnelles")
    walk.visit("courriels-vide", "/demo/courriels/", "Courriels envoyés (démonstration)")
    walk.visit("404-deconnecte", "/nulle-part/", "Page introuvable")

    # Dr Jean MARTIN, in his own space.
    log_in(page, JEAN_MARTIN)
    walk.check("mes-dossiers")
    # On a phone the header's menu is a DSFR modal, opened by « Menu ».
    page.set_viewport_size({"width": 375, "height": 900})
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Fermer")).to_be_visible()
    walk.check("menu-ouvert", widths=(375,))
    walk.visit("dossier", f"/dossiers/{yvette.number}/", re.compile("Yvette ROUSSEAU"))
    walk.visit("historique", f"/dossiers/{yvette.number}/historique/", re.compile("HISTORIQUE DES ACTIONS"))
    walk.visit("nouveau-dossier", "/dossiers/nouveau/")
    walk.visit("valider-confirmation", f"/dossiers/{yvette.number}/valider/")
    walk.visit("mon-compte", "/compte/", "Mon compte")
    walk.visit("mes-delegations-vide", "/delegations/", "Mes délégations")
    # A form sent empty: every error at once, in the summary at the top.
    walk.visit("ajouter-assistant-vide", "/delegations/assistant/ajouter/")
    page.get_by_role("button", name="Ajouter la délégation").click()
    expect(page).to_have_title(re.compile("^Erreur : "))
    walk.check("ajouter-assistant-erreurs")
    walk.visit("ajouter-assistant", "/delegations/assistant/ajouter/")
    field(page, "Nom").fill("BERNARD")
    field(page, "Prénom").fill("Sophie")
    field(page, "Adresse électronique").fill(SOPHIE_MAIL)
    tick(page, "Consulter les dossiers")
    tick(page, "Modifier les dossiers")
    page.get_by_role("button", name="Ajouter la délégation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes délégations")
    # Rows in the other states, as the demo reaches them after a while.
    claire_user = User.objects.get(professional=claire)
    DelegationFactory(
        doctor=martin, colleague_doctor=True, colleague=claire, delegate=claire_user, can_edit=True, can_validate=True
    )
    DelegationFactory(
        doctor=martin,
        refused=True,
        invited_first_name="Marc",
        invited_last_name="PETIT",
        invited_email="marc.petit@example.org",
        answered_at=timezone.now(),
    )
    walk.visit("mes-delegations", "/delegations/", "Mes délégations")
    sophie_delegation = Delegation.objects.get(doctor=martin, invited_email=SOPHIE_MAIL)
    walk.visit("delegation-detail", f"/delegations/{sophie_delegation.pk}/")
    walk.visit("delegation-modifier", f"/delegations/{sophie_delegation.pk}/modifier/")
    walk.visit("delegation-supprimer", f"/delegations/{sophie_delegation.pk}/supprimer/")
    walk.visit("ajouter-medecin", "/delegations/medecin/ajouter/")
    walk.visit("ajouter-medecin-resultats", "/delegations/medecin/ajouter/?name=LEFEVRE")
    walk.visit("ajouter-medecin-choisi", f"/delegations/medecin/ajouter/?name=LEFEVRE&selectionne={paul.pk}")
    walk.visit("annuaire", "/annuaire/", "Annuaire")
    walk.visit("annuaire-resultats", "/annuaire/?name=DUBOIS", "Annuaire")
    walk.visit("delegations-recues-medecin", "/delegations/recues/")
    walk.visit("actions-en-mon-nom", "/actions-en-mon-nom/", "Actions faites en mon nom")
    walk.visit("mes-preferences", "/actions-en-mon-nom/preferences/", "Mes préférences")
    walk.visit("404", "/dossiers/inexistant/", "Page introuvable")
    # A form posted without its CSRF token (as after a very long wait): the French 403.
    page.evaluate(
        """() => { const form = document.createElement('form'); form.method = 'post';
                   form.action = '/connexion/deconnexion/'; document.body.append(form); form.submit(); }"""
    )
    walk.check("403", "Formulaire expiré")

    # The invitation mail, read on the demo mails page, and its link followed by Sophie BERNARD.
    run_worker()  # as `make run`'s mail worker: requests only queue
    page.goto("/dossiers/")
    log_out(page)
    walk.visit("courriels", "/demo/courriels/", "Courriels envoyés (démonstration)")
    link = page.get_by_role("link", name=re.compile("delegations.invitation")).first.get_attribute("href")
    assert link
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    field(page, "Carte").select_option(label=SOPHIE_BERNARD)
    field(page, "Code PIN").fill(DEMO_PIN)
    page.get_by_role("button", name="Se connecter").click()
    walk.check("invitation", "Invitation à une délégation de droits")
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("Vous avez accepté la délégation.")).to_be_visible()
    walk.visit("delegations-recues", "/delegations/recues/", "Délégations reçues")
    page.get_by_role("button", name=re.compile("^Agir au nom d")).first.click()
    walk.check("dossiers-au-nom-de")
    walk.visit("dossier-au-nom-de", f"/dossiers/{yvette.number}/", re.compile("Yvette ROUSSEAU"))
    page.goto("/dossiers/")
    log_out(page)

    # Dr Claire DUBOIS, a colleague who may validate; Marc PETIT, who opens a link meant for someone else.
    log_in(page, CLAIRE_DUBOIS)
    walk.visit("delegations-recues-confrere", "/delegations/recues/", "Délégations reçues")
    page.goto("/dossiers/")
    log_out(page)
    log_in(page, MARC_PETIT)
    walk.visit("invitation-autre-personne", link, "Cette invitation est destinée à une autre personne")
    page.goto("/dossiers/")
    log_out(page)

    # Dr MARTIN back: what Sophie did in his name, on Mes dossiers and on its own page.
    log_in(page, JEAN_MARTIN)
    walk.check("mes-dossiers-au-retour")
    walk.visit("actions-en-mon-nom-remplie", "/actions-en-mon-nom/?filtrer=1", "Actions faites en mon nom")

    assert not walk.found, "Violations axe-core :\n" + "\n".join(walk.found)
