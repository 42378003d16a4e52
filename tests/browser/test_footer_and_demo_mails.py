"""The footer's mandatory links and their pages, the skip links, and the demo's « Courriels envoyés » page.

The demo keeps its own copy of the mails it sent (demo.mail.DemoEmailBackend, as `make run` configures it): the
outbox wipes a sent mail's body, invitation link included.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.mail import run_worker

from .helpers import DEMO_PIN, JEAN_MARTIN, assert_accessible_at_both_widths, field, log_in
from .test_delegation_stories import SOPHIE_BERNARD, SOPHIE_MAIL, delegate_to_sophie, log_out

pytestmark = pytest.mark.browser

DEMO_MAILS = "Courriels envoyés (démonstration)"


def footer(page: Page):
    return page.get_by_role("contentinfo")


def skip_links(page: Page):
    return page.get_by_role("navigation", name="Accès rapide").get_by_role("link")


@pytest.mark.parametrize(
    ("link", "heading", "sections"),
    [
        (
            "Accessibilité : partiellement conforme",
            "Déclaration d'accessibilité",
            ["État de conformité", "Non-conformités connues", "Retour d'information et contact", "Voies de recours"],
        ),
        ("Mentions légales", "Mentions légales", ["Éditeur", "Hébergement", "Cookies"]),
        (
            "Données personnelles",
            "Données personnelles",
            ["Données traitées et finalités", "Base légale", "Durées de conservation", "Qui peut voir quoi"],
        ),
    ],
)
def test_each_footer_link_leads_to_its_page_logged_out(page: Page, link, heading, sections):
    page.goto("/connexion/")
    footer(page).get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for title in sections:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page).to_have_title(re.compile(f"^{re.escape(heading)} — "))
    assert_accessible_at_both_widths(page, f"footer-{heading}", every_impact=True)


def test_the_accessibility_statement_gives_the_defenseur_des_droits_and_the_data_page_the_journal(page: Page):
    page.goto("/accessibilite/")
    expect(page.get_by_role("main")).to_contain_text("partiellement conforme")
    expect(page.get_by_role("link", name="Défenseur des droits", exact=True)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Libre réponse 71120")
    page.goto("/donnees-personnelles/")
    expect(page.get_by_role("main")).to_contain_text("Journal des actions")
    expect(page.get_by_role("main")).to_contain_text("ne peut être ni modifié ni effacé")


def test_skip_links_reach_content_menu_and_footer(page: Page):
    page.goto("/connexion/")
    # Logged out there is no menu: no link to it.
    expect(skip_links(page)).to_have_text(["Contenu", "Pied de page"])
    log_in(page, JEAN_MARTIN)
    expect(skip_links(page)).to_have_text(["Contenu", "Menu", "Pied de page"])
    for name, target in (("Contenu", "main"), ("Menu", "#menu-principal"), ("Pied de page", "footer")):
        href = skip_links(page).filter(has_text=name).get_attribute("href")
        assert href and href.startswith("#"), href
        expect(page.locator(target)).to_have_id(href[1:])
    # The first Tab reaches the skip links, and « Pied de page » moves the focus there.
    page.keyboard.press("Tab")
    expect(skip_links(page).first).to_be_focused()
    skip_links(page).filter(has_text="Pied de page").click()
    expect(page).to_have_url(re.compile("#pied-de-page$"))


def test_the_demo_mail_page_shows_the_invitation_whose_link_opens_it(page: Page, demo_mail):
    page.goto("/connexion/")
    page.get_by_role("link", name=DEMO_MAILS).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_MAILS)
    expect(page.get_by_role("main")).to_contain_text("Aucun courriel n'a encore été envoyé.")

    log_in(page, JEAN_MARTIN)
    delegate_to_sophie(page)
    run_worker()  # as `make run`'s mail worker does: the request only queued the mail
    log_out(page)

    footer(page).get_by_role("link", name=DEMO_MAILS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_MAILS)
    mail = page.get_by_role("article").filter(has_text=SOPHIE_MAIL)
    expect(mail.get_by_role("heading", level=2)).to_have_text(
        "Délégation de droits : le médecin Jean MARTIN vous invite à gérer ses dossiers"
    )
    assert_accessible_at_both_widths(page, "demo-mails", every_impact=True)

    # The link is clickable: the login page, then the invitation.
    mail.get_by_role("link", name=re.compile("delegations.invitation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    field(page, "Carte").select_option(label=SOPHIE_BERNARD)
    field(page, "Code PIN").fill(DEMO_PIN)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation à une délégation de droits")
    expect(page.get_by_role("button", name="Accepter")).to_be_visible()


def test_without_demo_there_is_no_demo_mail_page_nor_link(page: Page, settings):
    settings.DEMO = False
    response = page.goto("/demo/courriels/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    page.goto("/connexion/")
    expect(page.get_by_role("link", name=DEMO_MAILS)).to_have_count(0)
    expect(footer(page).get_by_role("link", name="Mentions légales")).to_be_visible()
