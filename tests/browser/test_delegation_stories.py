"""Delegation of rights in a real browser, two people at once, the mails read from a real SMTP server.

Dr Jean MARTIN delegates to his assistant Sophie BERNARD (the modal dialog) and to his colleague
Dr Claire DUBOIS (the directory search); each follows the link of the invitation mail, logs in with the
demo card reader, accepts (or refuses) and acts on Martin's behalf; the history says so.
"""

import datetime
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.mail import run_worker

from .helpers import CLAIRE_DUBOIS, DEMO_PIN, JEAN_MARTIN, assert_accessible, field, log_in

pytestmark = pytest.mark.browser

SOPHIE_BERNARD = "Sophie BERNARD — CPE n° 8000000005"
SOPHIE_MAIL = "sophie.bernard@example.org"
CLAIRE_MAIL = "claire.dubois@example.org"
BANNER = "Vous agissez au nom du médecin Jean MARTIN"
INVITATION_LINK = re.compile(r"(https?://\S+/delegations/invitation/[^/\s]+/)")


@pytest.fixture
def site(demo_site, settings, smtp_server):
    """The live server, its mails going to the test SMTP server, their links pointing to the live server."""
    settings.SITE_URL = demo_site.url
    return demo_site


@pytest.fixture
def new_page(browser: Browser, site):
    """Opens one browser context (one person) per call; all are closed at the end of the test."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(base_url=site.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def mails_to(smtp_server, address: str, count: int) -> list:
    """The mails received for `address`, waiting (a little) until there are `count` of them."""
    deadline = time.monotonic() + 10
    while len(mails := smtp_server.to(address)) < count and time.monotonic() < deadline:
        run_worker()  # the mail worker's pass: requests only queue
        time.sleep(0.05)
    assert len(mails) >= count, [mail.subject for mail in mails]
    return mails


def invitation_link(smtp_server, address: str) -> str:
    mail = mails_to(smtp_server, address, 1)[-1]
    assert mail.subject == "Délégation de droits : le médecin Jean MARTIN vous invite à gérer ses dossiers"
    found = INVITATION_LINK.search(mail.body)
    assert found, mail.body
    return found.group(1)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def open_invitation(page: Page, link: str, card_label: str) -> None:
    """Logged out: the link leads to the login page, and after the login back to the invitation."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert "next=" in page.url
    field(page, "Carte").select_option(label=card_label)
    field(page, "Code PIN").fill(DEMO_PIN)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation à une délégation de droits")
    expect(page.locator("main")).to_contain_text("Jean MARTIN")


def tick(scope, label: str, checked: bool = True) -> None:
    """DSFR checkboxes: the label covers the (visually hidden) input, so the click goes through it."""
    field(scope, label).set_checked(checked, force=True)


def my_delegations(page: Page) -> None:
    page.get_by_role("link", name="MES DELEGATIONS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes délégations")


def section(page: Page, title: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=title, exact=True))


def history(page: Page):
    return section(page, "HISTORIQUE DES ACTIONS")


def delegate_to_sophie(page: Page, *, check_accessibility: bool = False) -> None:
    """Dr MARTIN (logged in) delegates consult + modify to Sophie BERNARD through the modal dialog."""
    my_delegations(page)
    if check_accessibility:
        assert_accessible(page)
    assistants = section(page, "Assistant(s) habilité(s) à gérer mes dossiers")
    name = "Ajouter une délégation de droits"
    # A button opening the modal dialog when JavaScript runs (a link to a plain page otherwise).
    assistants.get_by_role("button", name=name).or_(assistants.get_by_role("link", name=name)).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(r"/delegations/$"))  # the dialog, not the fallback page
    if check_accessibility:
        # The modal fades in: axe would see the colours of the transition.
        page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
        assert_accessible(page)
    field(dialog, "Nom").fill("BERNARD")
    field(dialog, "Prénom").fill("Sophie")
    field(dialog, "Adresse électronique").fill(SOPHIE_MAIL)
    tick(dialog, "Consulter les dossiers")
    tick(dialog, "Modifier les dossiers")
    expect(field(dialog, "Date de début")).to_have_value(timezone.localdate().isoformat())
    dialog.get_by_role("button", name="Ajouter la délégation").click()
    expect(page.get_by_text("La délégation a été ajoutée : une invitation a été envoyée par courriel.")).to_be_visible()
    row = assistants.get_by_role("row").filter(has_text="Sophie BERNARD")
    expect(row).to_contain_text("En attente")


def sophie_accepts_and_acts_for_martin(page: Page, link: str, *, check_accessibility: bool = False) -> None:
    open_invitation(page, link, SOPHIE_BERNARD)
    if check_accessibility:
        assert_accessible(page)
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("Vous avez accepté la délégation.")).to_be_visible()
    page.get_by_role("link", name="Délégations reçues").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Délégations reçues")
    if check_accessibility:
        assert_accessible(page)
    page.get_by_role("button", name="Agir au nom du Dr Jean MARTIN").click()
    expect(page.get_by_text(BANNER)).to_be_visible()


def test_martin_delegates_to_his_assistant_who_edits_a_dossier_on_his_behalf(new_page, smtp_server):
    martin = new_page()
    log_in(martin, JEAN_MARTIN)
    delegate_to_sophie(martin, check_accessibility=True)
    log_out(martin)

    sophie = new_page()
    sophie_accepts_and_acts_for_martin(sophie, invitation_link(smtp_server, SOPHIE_MAIL), check_accessibility=True)

    sophie.get_by_role("link", name="Yvette ROUSSEAU").click()
    expect(sophie.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU"))
    expect(sophie.get_by_text(BANNER)).to_be_visible()
    assert_accessible(sophie)
    field(sophie, "Allergies").fill("Pénicilline")
    sophie.get_by_role("button", name="Enregistrer").click()
    expect(sophie.get_by_text("Le volet médical a été enregistré.")).to_be_visible()
    expect(field(sophie, "Allergies")).to_have_value("Pénicilline")
    expect(sophie.get_by_text("Valider le volet médical")).to_have_count(0)
    expect(history(sophie)).to_contain_text(
        "L'assistant(e) Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin Jean MARTIN"
    )


def test_martin_delegates_to_a_colleague_who_validates_a_volet_medical(new_page, smtp_server):
    martin = new_page()
    log_in(martin, JEAN_MARTIN)
    my_delegations(martin)
    colleagues = section(martin, "Médecin(s) habilité(s) à gérer mes dossiers")
    colleagues.get_by_role("link", name="Ajouter une délégation de droits").click()
    field(martin, "Nom").fill("dubois")
    martin.get_by_label(re.compile(r"^\s*Lieu d'exercice")).fill("Villeurbanne")  # label + hint
    martin.get_by_role("button", name="Rechercher").click()
    expect(martin.get_by_role("link", name="Sélectionner Claire DUBOIS")).to_be_visible()
    assert_accessible(martin)
    martin.get_by_role("link", name="Sélectionner Claire DUBOIS").click()
    today = timezone.localdate()
    field(martin, "Date de début").fill(today.isoformat())
    field(martin, "Date de fin").fill((today + datetime.timedelta(days=30)).isoformat())
    tick(martin, "Consulter les dossiers")
    tick(martin, "Modifier les dossiers")
    tick(martin, "Valider le volet médical")
    martin.get_by_role("button", name="Ajouter", exact=True).click()
    expect(
        martin.get_by_text("La délégation a été ajoutée : une invitation a été envoyée par courriel.")
    ).to_be_visible()
    expect(colleagues.get_by_role("row").filter(has_text="Claire DUBOIS")).to_contain_text("En attente")

    claire = new_page()
    open_invitation(claire, invitation_link(smtp_server, CLAIRE_MAIL), CLAIRE_DUBOIS)
    claire.get_by_role("button", name="Accepter").click()
    expect(claire.get_by_text("Vous avez accepté la délégation.")).to_be_visible()
    claire.get_by_role("button", name="Agir au nom du Dr Jean MARTIN").click()
    expect(claire.get_by_text(BANNER)).to_be_visible()

    claire.get_by_role("link", name="André GIRARD").click()
    expect(claire.get_by_role("heading", level=1)).to_have_text(re.compile("André GIRARD"))
    field(claire, "GIR").select_option(label="GIR 2")
    claire.get_by_role("button", name="Enregistrer").click()
    expect(claire.get_by_text("Le volet médical a été enregistré.")).to_be_visible()
    claire.get_by_role("link", name="Valider le volet médical").click()
    expect(claire.get_by_text("Vous allez valider au nom du médecin Jean MARTIN")).to_be_visible()
    claire.get_by_role("button", name="Valider le volet médical").click()
    expect(claire.get_by_text("Le volet médical a été validé et signé.")).to_be_visible()
    expect(history(claire)).to_contain_text(
        "Le médecin Claire DUBOIS a fait l'action « Validation du volet médical » au nom du médecin Jean MARTIN"
    )

    # Martin sees the colleague's delegation accepted.
    my_delegations(martin)
    expect(colleagues.get_by_role("row").filter(has_text="Claire DUBOIS")).to_contain_text("Acceptée")


def test_martin_modifies_then_deletes_the_delegation_and_sophie_loses_access(new_page, smtp_server):
    martin = new_page()
    log_in(martin, JEAN_MARTIN)
    delegate_to_sophie(martin)

    sophie = new_page()  # stays logged in, acting for Martin, all along
    sophie_accepts_and_acts_for_martin(sophie, invitation_link(smtp_server, SOPHIE_MAIL))
    sophie.get_by_role("link", name="Yvette ROUSSEAU").click()
    expect(sophie.get_by_role("button", name="Enregistrer")).to_be_visible()
    dossier_url = sophie.url

    # Modification: no more « Modifier les dossiers ».
    my_delegations(martin)
    row = (
        section(martin, "Assistant(s) habilité(s) à gérer mes dossiers")
        .get_by_role("row")
        .filter(has_text="Sophie BERNARD")
    )
    expect(row).to_contain_text("Acceptée")
    row.get_by_role("link", name="Modifier la délégation de Sophie BERNARD", exact=True).click()
    expect(field(martin, "Modifier les dossiers")).to_be_checked()
    tick(martin, "Modifier les dossiers", False)
    martin.get_by_role("button", name="Enregistrer").click()
    expect(
        martin.get_by_text("La délégation a été modifiée ; la personne en est informée par courriel.")
    ).to_be_visible()
    modified = mails_to(smtp_server, SOPHIE_MAIL, 2)[-1]
    assert modified.subject == "Délégation de droits : le médecin Jean MARTIN a modifié vos droits"

    sophie.reload()
    expect(sophie.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU"))
    expect(sophie.get_by_text(BANNER)).to_be_visible()
    expect(sophie.get_by_role("button", name="Enregistrer")).to_have_count(0)

    # Deletion, effective on Sophie's very next request.
    row.get_by_role("link", name="Supprimer la délégation de Sophie BERNARD", exact=True).click()
    expect(martin.get_by_role("heading", level=1)).to_have_text("Supprimer la délégation à Sophie BERNARD")
    martin.get_by_role("button", name="Confirmer la suppression").click()
    expect(martin.get_by_text("La délégation à Sophie BERNARD a été supprimée.")).to_be_visible()
    deleted = mails_to(smtp_server, SOPHIE_MAIL, 3)[-1]
    assert deleted.subject == "Délégation de droits : le médecin Jean MARTIN a supprimé votre délégation"

    response = sophie.goto(dossier_url)
    assert response is not None and response.status == 404
    expect(sophie.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(sophie.get_by_text(BANNER)).to_have_count(0)
    expect(sophie.locator("main")).not_to_contain_text("ROUSSEAU")
    sophie.get_by_role("link", name="Mes dossiers").first.click()
    expect(sophie.get_by_text(BANNER)).to_have_count(0)
    expect(sophie.get_by_role("link", name="Yvette ROUSSEAU")).to_have_count(0)


def test_sophie_refuses_and_martin_sees_it(new_page, smtp_server):
    martin = new_page()
    log_in(martin, JEAN_MARTIN)
    delegate_to_sophie(martin)

    sophie = new_page()
    open_invitation(sophie, invitation_link(smtp_server, SOPHIE_MAIL), SOPHIE_BERNARD)
    sophie.get_by_role("button", name="Refuser").click()
    expect(sophie.get_by_text("Vous avez refusé la délégation.")).to_be_visible()
    expect(sophie.get_by_role("button", name="Agir au nom du Dr Jean MARTIN")).to_have_count(0)

    my_delegations(martin)
    row = (
        section(martin, "Assistant(s) habilité(s) à gérer mes dossiers")
        .get_by_role("row")
        .filter(has_text="Sophie BERNARD")
    )
    expect(row).to_contain_text("Refusée")
