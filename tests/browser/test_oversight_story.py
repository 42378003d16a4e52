"""« Actions faites en mon nom », as Dr MARTIN lives it: his assistant Sophie BERNARD acts on two dossiers in his
name; he finds it on his page, filters it, takes away the CSV and the PDF attestation, which verify_attestation
accepts, then refuses once an entry was rewritten in the database behind the journal's back."""

import csv
import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from delegations.models import Kind
from journal.models import Action, Entry
from tests.factories import DelegationFactory
from tests.journal.test_chain import tamper

from .helpers import CLAIRE_DUBOIS, JEAN_MARTIN, assert_accessible_at_both_widths, field, log_in
from .test_delegation_stories import (  # noqa: F401  # new_page and site: fixtures
    BANNER,
    SOPHIE_BERNARD,
    log_out,
    mails_to,
    new_page,
    site,
    tick,
)

pytestmark = pytest.mark.browser


def _delegations():
    martin = User.objects.get(last_name="MARTIN").professional
    sophie = User.objects.get(last_name="BERNARD")
    DelegationFactory(
        doctor=martin,
        delegate=sophie,
        invited_first_name="Sophie",
        invited_last_name="BERNARD",
        invited_email=sophie.email,
        can_edit=True,
        created_by=martin.user,
    )
    claire = User.objects.get(last_name="DUBOIS")
    DelegationFactory(
        doctor=martin,
        kind=Kind.COLLEAGUE,
        colleague=claire.professional,
        delegate=claire,
        invited_email=claire.email,
        can_edit=True,
        can_validate=True,
        ends_on=timezone.localdate() + timezone.timedelta(days=30),
        created_by=martin.user,
    )


def act_for_martin(page: Page, card_label: str) -> None:
    page.goto("/connexion/")
    field(page, "Carte").select_option(label=card_label)
    field(page, "Code PIN").fill("1234")
    page.get_by_role("button", name="Se connecter").click()
    page.goto("/delegations/recues/")
    page.get_by_role("button", name="Agir au nom du Dr Jean MARTIN").click()
    expect(page.get_by_text(BANNER)).to_be_visible()


def edit_allergies(page: Page, patient: str, allergies: str) -> None:
    page.get_by_role("link", name=patient).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(patient))
    field(page, "Allergies").fill(allergies)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le volet médical a été enregistré.")).to_be_visible()
    page.goto("/dossiers/")


def download(page: Page, name: str, tmp_path):
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_martin_oversees_what_sophie_did_in_his_name(new_page, tmp_path, settings):  # noqa: F811
    _delegations()
    martin = new_page()
    log_in(martin, JEAN_MARTIN)  # his previous login
    log_out(martin)

    sophie = new_page()
    act_for_martin(sophie, SOPHIE_BERNARD)
    edit_allergies(sophie, "Yvette ROUSSEAU", "Pénicilline")
    edit_allergies(sophie, "André GIRARD", "Iode")

    log_in(martin, JEAN_MARTIN)
    panel = martin.locator(".fr-callout").filter(has_text="Depuis votre dernière connexion")
    expect(panel).to_contain_text("Sophie BERNARD : 2 modifications sur 2 dossiers")
    expect(martin.get_by_role("row").filter(has_text="Yvette ROUSSEAU")).to_contain_text("par Sophie BERNARD pour vous")
    assert_accessible_at_both_widths(martin, "oversight-mes-dossiers")
    # From MES DELEGATIONS, « Voir ses actions » on Sophie's row: her actions, consultations hidden.
    martin.get_by_role("link", name="MES DELEGATIONS").click()
    sophie_row = martin.get_by_role("row").filter(has_text="Sophie BERNARD")
    sophie_row.get_by_role("link", name="Voir ses actions").click()
    expect(martin.locator("main").get_by_text(re.compile("Sophie BERNARD a fait l'action"))).to_have_count(2)
    expect(field(martin, "Délégué")).to_have_value(str(User.objects.get(last_name="BERNARD").pk))
    martin.get_by_role("link", name="MES DELEGATIONS").click()
    assert_accessible_at_both_widths(martin, "oversight-mes-delegations")
    martin.get_by_role("link", name="Actions faites en mon nom").click()
    expect(martin.get_by_role("heading", level=1)).to_have_text("Actions faites en mon nom")
    main = martin.locator("main")
    sentence = (
        "L'assistant(e) Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin Jean MARTIN"
    )
    expect(main.get_by_text(sentence)).to_have_count(2)
    expect(main).to_contain_text("Allergies : non renseigné → Pénicilline")
    expect(main.get_by_text("Consultation du dossier")).to_have_count(0)  # hidden by default
    assert_accessible_at_both_widths(martin, "oversight-actions")

    field(martin, "Délégué").select_option(label="Sophie BERNARD")
    tick(martin, "Masquer les consultations", False)
    martin.get_by_role("button", name="Filtrer").click()
    expect(main.get_by_text(re.compile("« Consultation du dossier »"))).to_have_count(4)  # each open, each save
    assert "delegue=" in martin.url  # a filtered view is a link
    assert_accessible_at_both_widths(martin, "oversight-actions-filtered")

    rows = list(
        csv.DictReader(io.StringIO(download(martin, "Exporter (CSV)", tmp_path).read_text("utf-8-sig")), delimiter=";")
    )
    changes = [row["Changements"] for row in rows if row["Action"] == "Modification du volet médical"]
    assert changes == ["Allergies : non renseigné → Iode", "Allergies : non renseigné → Pénicilline"]
    assert len(rows) == 6 and {row["Auteur"] for row in rows} == {"Sophie BERNARD"}
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", rows[0]["Date et heure"])

    pdf = download(martin, "Attestation (PDF)", tmp_path)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout.split()
    )
    assert sentence in text
    assert Entry.objects.filter(action=Action.HISTORY_EXPORTED).count() == 2

    out = io.StringIO()
    call_command("verify_attestation", str(pdf), stdout=out)
    assert "6 entrée(s), toutes présentes et inchangées" in out.getvalue()
    rewritten = Entry.objects.filter(action=Action.MEDICAL_UPDATED).order_by("sequence").first()
    tamper(("UPDATE journal_entry SET changes = %s WHERE id = %s", ['[{"field": "allergies"}]', rewritten.pk]))
    with pytest.raises(CommandError) as refused:
        call_command("verify_attestation", str(pdf), stdout=io.StringIO())
    assert refused.value.returncode == 1 and f"Entrée n° {rewritten.sequence}" in str(refused.value)


def test_dubois_validates_in_martins_name_and_martin_receives_the_mail(new_page, smtp_server):  # noqa: F811
    _delegations()
    martin = new_page()
    log_in(martin, JEAN_MARTIN)
    martin.get_by_role("link", name="Actions faites en mon nom").click()
    martin.get_by_role("link", name=re.compile("Mes préférences")).click()
    expect(martin.get_by_role("heading", level=1)).to_have_text("Mes préférences")
    expect(martin.get_by_role("checkbox", name=re.compile("Quand un confrère valide"))).to_be_checked()  # on by default
    assert_accessible_at_both_widths(martin, "oversight-preferences")

    claire = new_page()
    act_for_martin(claire, CLAIRE_DUBOIS)
    claire.get_by_role("link", name="André GIRARD").click()
    field(claire, "GIR").select_option(label="GIR 2")
    claire.get_by_role("button", name="Enregistrer").click()
    claire.get_by_role("link", name="Valider le volet médical").click()
    expect(claire.get_by_text("Vous allez valider au nom du médecin Jean MARTIN")).to_be_visible()
    claire.get_by_role("button", name="Valider le volet médical").click()
    expect(claire.get_by_text("Le volet médical a été validé et signé.")).to_be_visible()
    number = claire.url.rstrip("/").rsplit("/", 1)[-1]

    [mail] = mails_to(smtp_server, "jean.martin@example.org", 1)
    assert mail.subject == "Volet médical validé en votre nom par le médecin Claire DUBOIS"
    link = re.search(r"(https?://\S+/dossiers/[^/\s]+/)", mail.body).group(1)
    assert link.endswith(f"/dossiers/{number}/")
    martin.goto(link)
    expect(martin.get_by_role("heading", level=1)).to_have_text(re.compile("André GIRARD"))


def test_the_dossier_history_reads_well_at_every_width(new_page):  # noqa: F811
    _delegations()
    sophie = new_page()
    act_for_martin(sophie, SOPHIE_BERNARD)
    for _ in range(3):
        sophie.goto("/dossiers/")
        sophie.get_by_role("link", name="Yvette ROUSSEAU").click()
    field(sophie, "Antécédents").fill("Hypertension artérielle ancienne, " * 12)
    sophie.get_by_role("button", name="Enregistrer").click()
    expect(sophie.get_by_text("Le volet médical a été enregistré.")).to_be_visible()

    martin = new_page()
    log_in(martin, JEAN_MARTIN)
    martin.get_by_role("link", name="Yvette ROUSSEAU").click()
    martin.get_by_role("link", name="Voir tout l'historique").click()
    expect(martin.get_by_role("heading", level=1)).to_have_text(re.compile("Yvette ROUSSEAU, dossier"))
    history = martin.locator(".app-history")
    expect(history).to_contain_text("3 consultations par Sophie BERNARD, du ")
    details = history.get_by_text("Voir les 3 consultations")
    details.click()
    expect(history.locator("details li")).to_have_count(3)
    assert_accessible_at_both_widths(martin, "oversight-dossier-history")
    # At 375 px each entry is a stacked card: the long change wraps within the screen, nothing scrolls sideways.
    martin.set_viewport_size({"width": 375, "height": 900})
    change = history.get_by_text(re.compile("^Antécédents : non renseigné → Hypertension"))
    box = change.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375, box
    assert martin.evaluate("document.documentElement.scrollWidth") <= 375
