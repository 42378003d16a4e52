"""MES DELEGATIONS and « Délégations reçues » as the doctor and the delegate read them: an expired invitation, a
delegation that starts later, an ended one renewed, the invitation link's reasons, and the lists on a phone.
SCREENSHOTS_DIR (optional) keeps the screens at 1280 and 375 px wide; axe-core at both widths."""

import datetime
import hashlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations.models import Delegation, Invitation, Kind, State
from directory.models import Professional
from tests.mail import run_worker

from .helpers import CLAIRE_DUBOIS, JEAN_MARTIN, assert_accessible_at_both_widths, field, submit_pin

pytestmark = pytest.mark.browser

SOPHIE_BERNARD = "Sophie BERNARD — CPE n° 8000000005"
DAY = datetime.timedelta(days=1)
ASSISTANTS = "Assistant(s) habilité(s) à gérer mes dossiers"
DOCTORS = "Médecin(s) habilité(s) à gérer mes dossiers"


def martin() -> User:
    return User.objects.get(last_name="MARTIN")


def delegation(**fields) -> Delegation:
    """A delegation of Dr MARTIN to Sophie BERNARD (the demo's assistant) unless told otherwise."""
    values = {
        "doctor": martin().professional,
        "kind": Kind.ASSISTANT,
        "invited_first_name": "Sophie",
        "invited_last_name": "BERNARD",
        "invited_email": "sophie.bernard@example.org",
        "can_consult": True,
        "starts_on": timezone.localdate(),
        "state": State.PENDING,
        "created_by": martin(),
        **fields,
    }
    return Delegation.objects.create(**values)


def link_to(found: Delegation, token: str, **fields) -> str:
    Invitation.objects.create(
        delegation=found,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=fields.pop("expires_at", timezone.now() + 7 * DAY),
        **fields,
    )
    return f"/delegations/invitation/{token}/"


def log_in_as(page: Page, card: str) -> None:
    page.goto("/connexion/")
    submit_pin(page, card, "1234")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(1)


def section(page: Page, title: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=title, exact=True))


def visible_at_375(page: Page, row) -> None:
    """Validité, État and Actions in sight, without sideways scrolling, on a 375 px wide screen."""
    page.set_viewport_size({"width": 375, "height": 900})
    for label in ("Validité", "État", "Actions"):
        box = row.locator(f'td[data-label="{label}"]').bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (label, box)
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('.fr-table__container')].filter(c => c.scrollWidth > c.clientWidth + 1)"
        ".map(c => [c.getAttribute('aria-label'), c.scrollWidth, c.clientWidth, document.documentElement.scrollWidth])"
    )
    assert not overflowing
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_expired_invitation_is_said_on_both_sides_and_sent_again(browser, page: Page, demo_site):
    pending = delegation()
    link_to(pending, "ancien-lien", expires_at=timezone.now() - DAY)

    # The delegate: « Invitation expirée », no Accepter/Refuser, what to do.
    log_in_as(page, SOPHIE_BERNARD)
    page.goto("/delegations/recues/")
    row = page.get_by_role("row").filter(has_text="Jean MARTIN")
    expect(row).to_contain_text("Invitation expirée")
    expect(row).to_contain_text("demandez au médecin Jean MARTIN de vous la renvoyer")
    expect(row.get_by_role("button")).to_have_count(0)
    visible_at_375(page, row)
    assert_accessible_at_both_widths(page, "received-invitation-expired")
    # The link page says which case.
    page.goto("/delegations/invitation/ancien-lien/")
    expect(page.get_by_role("alert")).to_contain_text("Cette invitation a expiré le")

    # The doctor: « Invitation expirée » and « Renvoyer l'invitation ».
    doctor = browser.new_context(base_url=demo_site.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    martin_page = doctor.new_page()
    log_in_as(martin_page, JEAN_MARTIN)
    martin_page.goto("/delegations/")
    row = section(martin_page, ASSISTANTS).get_by_role("row").filter(has_text="Sophie BERNARD")
    expect(row).to_contain_text("Invitation expirée")
    visible_at_375(martin_page, row)
    assert_accessible_at_both_widths(martin_page, "my-delegations-invitation-expired")
    row.get_by_role("button", name="Renvoyer l'invitation à Sophie BERNARD").click()
    expect(martin_page.get_by_text("Une nouvelle invitation a été envoyée")).to_be_visible()
    row = section(martin_page, ASSISTANTS).get_by_role("row").filter(has_text="Sophie BERNARD")
    expect(row).to_contain_text("En attente")
    expect(row).not_to_contain_text("Invitation expirée")
    doctor.close()

    # The old link was replaced by the new one: said so.
    page.goto("/delegations/invitation/ancien-lien/")
    expect(page.get_by_role("alert")).to_contain_text("remplacé par une invitation plus récente")
    page.goto("/delegations/recues/")
    expect(page.get_by_role("button", name="Accepter")).to_have_count(1)


def test_a_delegation_that_starts_later_offers_no_agir(browser, page: Page, demo_site):
    claire = User.objects.get(last_name="DUBOIS")
    starts = timezone.localdate() + 3 * DAY
    delegation(
        kind=Kind.COLLEAGUE,
        colleague=Professional.objects.get(pk=claire.professional.pk),
        invited_first_name="Claire",
        invited_last_name="DUBOIS",
        invited_email="claire.dubois@example.org",
        state=State.ACCEPTED,
        delegate=claire,
        starts_on=starts,
        ends_on=starts + 10 * DAY,
    )
    shown = f"À venir — à partir du {starts:%d/%m/%Y}"
    log_in_as(page, CLAIRE_DUBOIS)
    page.goto("/delegations/recues/")
    row = page.get_by_role("row").filter(has_text="Jean MARTIN")
    expect(row).to_contain_text(shown)
    expect(row.get_by_role("button", name="Agir au nom")).to_have_count(0)
    expect(row).to_contain_text(f"Vous pourrez agir en son nom à partir du {starts:%d/%m/%Y}")
    visible_at_375(page, row)
    assert_accessible_at_both_widths(page, "received-upcoming")

    doctor = browser.new_context(base_url=demo_site.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    martin_page = doctor.new_page()
    log_in_as(martin_page, JEAN_MARTIN)
    martin_page.goto("/delegations/")
    row = section(martin_page, DOCTORS).get_by_role("row").filter(has_text="Claire DUBOIS")
    expect(row).to_contain_text(shown)
    # Each action names the person.
    for action in ("Consulter", "Modifier", "Supprimer"):
        expect(row.get_by_role("link", name=f"{action} la délégation de Claire DUBOIS", exact=True)).to_have_count(1)
    row.get_by_role("link", name="Consulter la délégation de Claire DUBOIS").click()
    expect(martin_page.locator("main dl")).to_contain_text(shown)
    doctor.close()


def test_an_ended_delegation_is_renewed_and_replaces_its_row(page: Page, smtp_server):
    refused = delegation(state=State.REFUSED, can_edit=True, ends_on=timezone.localdate() + 30 * DAY)
    Delegation.objects.filter(pk=refused.pk).update(created_at=timezone.now() - 2 * DAY)
    log_in_as(page, JEAN_MARTIN)
    page.goto("/delegations/")
    assistants = section(page, ASSISTANTS)
    row = assistants.get_by_role("row").filter(has_text="Sophie BERNARD")
    expect(row).to_contain_text("Refusée")
    visible_at_375(page, row)
    assert_accessible_at_both_widths(page, "my-delegations-refused")
    row.get_by_role("link", name="Renouveler la délégation de Sophie BERNARD").click()
    # The same person and rights, new dates.
    expect(field(page, "Nom")).to_have_value("BERNARD")
    expect(field(page, "Prénom")).to_have_value("Sophie")
    expect(field(page, "Adresse électronique")).to_have_value("sophie.bernard@example.org")
    expect(field(page, "Modifier les dossiers")).to_be_checked()
    expect(field(page, "Créer des dossiers")).not_to_be_checked()
    expect(field(page, "Date de début")).to_have_value(timezone.localdate().isoformat())
    expect(field(page, "Date de fin")).to_have_value((timezone.localdate() + 30 * DAY).isoformat())
    assert_accessible_at_both_widths(page, "renew-form")
    page.get_by_role("button", name="Ajouter la délégation").click()
    expect(page.get_by_text("La délégation a été ajoutée")).to_be_visible()
    # One row for Sophie BERNARD, the new one; the refused one on its detail page.
    rows = section(page, ASSISTANTS).get_by_role("row").filter(has_text="Sophie BERNARD")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("En attente")
    # Its own badge, not the dossier's « En cours de saisie » one; the line under it names the mail sent.
    expect(rows.locator(".fr-badge")).not_to_have_class(re.compile(r"fr-badge--new"))
    run_worker()
    page.reload()
    expect(rows).to_contain_text(re.compile(r"Courriel d'invitation envoyé le \d\d/\d\d/\d{4}"))
    rows.get_by_role("link", name="Consulter la délégation de Sophie BERNARD").click()
    expect(page.get_by_role("heading", name="Délégations précédentes à cette personne")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Refusée")
    assert_accessible_at_both_widths(page, "delegation-detail-earlier")


def test_a_withdrawn_invitation_is_said_withdrawn(browser, page: Page, demo_site):
    pending = delegation()
    link = link_to(pending, "lien-retire")
    used = link_to(delegation(state=State.REFUSED, invited_email="autre@example.org"), "lien-servi",
                   used_at=timezone.now())  # fmt: skip
    log_in_as(page, JEAN_MARTIN)
    page.goto(f"/delegations/{pending.pk}/supprimer/")
    expect(page.locator("main")).to_contain_text("L'invitation envoyée à Sophie BERNARD sera retirée")
    page.get_by_role("button", name="Confirmer la suppression").click()
    expect(page.get_by_text("L'invitation à Sophie BERNARD a été retirée.")).to_be_visible()

    delegate = browser.new_context(base_url=demo_site.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    sophie = delegate.new_page()
    log_in_as(sophie, SOPHIE_BERNARD)
    sophie.goto(link)
    expect(sophie.get_by_role("alert")).to_contain_text("Le médecin Jean MARTIN a retiré cette invitation le")
    assert_accessible_at_both_widths(sophie, "invitation-withdrawn")
    sophie.goto(used)
    expect(sophie.get_by_role("alert")).to_contain_text("Ce lien a déjà servi")
    delegate.close()


def test_renewing_the_day_after_the_end_date_and_the_already_live_notice(browser, page: Page, demo_site):
    """Past its end date (the daily command not run yet) « Renouveler » leads to the form, not to « déjà en cours »;
    a delegation still live is said with its status badge and a link that names the person."""
    sophie = User.objects.get(last_name="BERNARD")
    ended = delegation(
        state=State.ACCEPTED,
        delegate=sophie,
        starts_on=timezone.localdate() - 9 * DAY,
        ends_on=timezone.localdate() - DAY,
    )
    log_in_as(page, JEAN_MARTIN)
    page.goto("/delegations/")
    row = section(page, ASSISTANTS).get_by_role("row").filter(has_text="Sophie BERNARD")
    expect(row).to_contain_text("Expirée")
    row.get_by_role("link", name="Renouveler la délégation de Sophie BERNARD").click()
    expect(page.get_by_text("déjà en cours")).to_have_count(0)
    page.get_by_role("button", name="Ajouter la délégation").click()
    expect(page.get_by_text("La délégation a été ajoutée")).to_be_visible()
    ended.refresh_from_db()
    assert ended.state == State.EXPIRED
    # Invited again at the same address: the pending invitation is the live one, said with its badge.
    page.goto("/delegations/assistant/ajouter/")
    field(page, "Nom").fill("Bernard")
    field(page, "Prénom").fill("Sophie")
    field(page, "Adresse électronique").fill("sophie.bernard@example.org")
    page.get_by_role("button", name="Ajouter la délégation").click()
    notice = page.locator(".fr-alert--info").filter(has_text="déjà en cours")
    expect(notice).to_contain_text("État : En attente")
    expect(notice.get_by_role("link", name="Modifier la délégation de Sophie BERNARD")).to_be_visible()
    assert_accessible_at_both_widths(page, "delegation-already-live")
