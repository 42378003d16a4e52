import datetime
import html

import pytest
from django.test import Client
from django.utils import timezone

from dossiers.models import Dossier, Status
from journal.models import Action, Entry
from tests.conftest import login_client
from tests.factories import CardFactory, DossierFactory, PatientFactory

MEDICAL = {
    "antecedents": "HTA",
    "pathologies": "Troubles cognitifs",
    "traitements": "Amlodipine",
    "allergies": "Aucune",
    "gir": "3",
    "commentaire": "",
}


def medical_post(client, dossier, **overrides):
    data = {**MEDICAL, "version": dossier.version, **overrides}
    return client.post(f"/dossiers/{dossier.number}/volet-medical/", data)


# --- Who may: authorization of every view --------------------------------------------------------

DOSSIER_URLS = [
    ("get", "/dossiers/{n}/"),
    ("get", "/dossiers/{n}/historique/"),
    ("post", "/dossiers/{n}/volet-medical/"),
    ("post", "/dossiers/{n}/valider/"),
    ("post", "/dossiers/{n}/envoyer/"),
    ("post", "/dossiers/{n}/archiver/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), DOSSIER_URLS)
def test_anonymous_is_sent_to_login(method, url, dossier):
    response = getattr(Client(), method)(url.format(n=dossier.number))
    assert response.status_code == 302 and response.url.startswith("/connexion/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), DOSSIER_URLS)
def test_another_doctor_gets_a_french_404(method, url, dossier, other_doctor_card):
    before = Dossier.objects.get(pk=dossier.pk)
    response = getattr(login_client(other_doctor_card), method)(url.format(n=dossier.number), MEDICAL)
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.status, after.version, after.antecedents) == (before.status, before.version, before.antecedents)
    assert not Entry.objects.filter(dossier=dossier).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), DOSSIER_URLS)
def test_an_assistant_without_delegation_gets_404(method, url, dossier, assistant_card):
    response = getattr(login_client(assistant_card), method)(url.format(n=dossier.number), MEDICAL)
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_doctor_with_a_non_cps_card_has_no_space(doctor_card, dossier):
    cpe = CardFactory(card_type="CPE", holder=doctor_card.holder)
    client = login_client(cpe)
    assert client.get(f"/dossiers/{dossier.number}/").status_code == 404
    assert "pas de dossiers à votre nom" in client.get("/dossiers/").content.decode()


@pytest.mark.django_db
def test_unknown_dossier_is_404(doctor_card):
    assert login_client(doctor_card).get("/dossiers/9999-0000000/").status_code == 404


@pytest.mark.django_db
def test_unknown_url_is_a_french_404(doctor_card):
    response = login_client(doctor_card).get("/nulle-part/")
    assert response.status_code == 404 and "Page introuvable" in response.content.decode()


@pytest.mark.django_db
def test_assistant_sees_an_explanation_not_an_error(assistant_card):
    response = login_client(assistant_card).get("/dossiers/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "pas de dossiers à votre nom" in page and "déléguer des droits" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dossiers/", "/dossiers/nouveau/"])
def test_list_and_create_need_login(url):
    assert Client().get(url).status_code == 302


@pytest.mark.django_db
def test_assistant_cannot_create(assistant_card):
    client = login_client(assistant_card)
    assert client.get("/dossiers/nouveau/").status_code == 404
    assert client.post("/dossiers/nouveau/", {}).status_code == 404


# --- Mes dossiers ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_only_own_dossiers(doctor_card, other_doctor_card):
    mine = DossierFactory(medecin_traitant=doctor_card.holder.professional, patient__birth_name="ZQROUSSEAU")
    theirs = DossierFactory(medecin_traitant=other_doctor_card.holder.professional, patient__birth_name="ZQMOREL")
    page = login_client(doctor_card).get("/dossiers/").content.decode()
    # Names no factory generates, so that a doctor's own name cannot match.
    assert mine.number in page and "ZQROUSSEAU" in page
    assert theirs.number not in page and "ZQMOREL" not in page


@pytest.mark.django_db
def test_search_ignores_accents_and_case(doctor_card):
    pro = doctor_card.holder.professional
    DossierFactory(medecin_traitant=pro, patient__birth_name="ZQLEFÈVRE", patient__first_name="Hélène")
    DossierFactory(medecin_traitant=pro, patient__birth_name="ZQGIRARD", patient__first_name="André")
    page = login_client(doctor_card).get("/dossiers/", {"q": "zqlefevre helene"}).content.decode()
    assert "ZQLEFÈVRE" in page and "ZQGIRARD" not in page


@pytest.mark.django_db
def test_filter_by_status(doctor_card):
    pro = doctor_card.holder.professional
    DossierFactory(medecin_traitant=pro, patient__birth_name="AAA", status=Status.SENT)
    DossierFactory(medecin_traitant=pro, patient__birth_name="BBB", status=Status.IN_PROGRESS)
    page = login_client(doctor_card).get("/dossiers/", {"status": "envoye"}).content.decode()
    assert "AAA" in page and "BBB" not in page


@pytest.mark.django_db
def test_list_is_paginated_and_keeps_filters(doctor_card):
    pro = doctor_card.holder.professional
    for i in range(25):
        DossierFactory(medecin_traitant=pro, patient__birth_name=f"NOM{i:02d}")
    client = login_client(doctor_card)
    first = client.get("/dossiers/", {"q": "nom"}).content.decode()
    assert "25 dossiers" in first and "q=nom&amp;page=2" in first
    second = client.get("/dossiers/", {"q": "nom", "page": 2}).content.decode()
    assert second.count("/dossiers/T-") == 5


# --- The dossier page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_dossier_page_shows_identity_volets_and_journals_the_consultation(doctor_card, dossier):
    dossier.volet_administratif = {"Situation familiale": "Veuve"}
    dossier.save()
    page = html.unescape(login_client(doctor_card).get(f"/dossiers/{dossier.number}/").content.decode())
    for text in (
        "Identité du patient",
        "Volet administratif",
        "Veuve",
        "Volet médical",
        "Antécédents",
        "Pathologies en cours",
        "Traitements en cours",
        "Allergies",
        "GIR",
        "Commentaire",
        "Enregistrer",
        "Valider le volet médical",
        "HISTORIQUE DES ACTIONS",
    ):
        assert text in page, text
    entry = Entry.objects.get(dossier=dossier)
    assert entry.action == Action.DOSSIER_VIEWED and entry.actor == doctor_card.holder
    assert entry.on_behalf_of == doctor_card.holder.professional and not entry.is_delegated
    assert f"Le médecin {doctor_card.holder.display_name} a fait l'action « Consultation du dossier »" in page


@pytest.mark.django_db
def test_saving_the_volet_medical_records_the_changes(doctor_card, dossier):
    client = login_client(doctor_card)
    response = medical_post(client, dossier)
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.antecedents == "HTA" and dossier.gir == 3 and dossier.version == 2
    entry = Entry.objects.get(action=Action.MEDICAL_UPDATED)
    assert {c["field"]: (c["old"], c["new"]) for c in entry.changes}["gir"] == ("", "3")
    assert {c["field"] for c in entry.changes} == {"antecedents", "pathologies", "traitements", "allergies", "gir"}


@pytest.mark.django_db
def test_saving_without_change_writes_nothing(doctor_card, dossier):
    client = login_client(doctor_card)
    medical_post(client, dossier)
    dossier.refresh_from_db()
    medical_post(client, dossier)
    assert Entry.objects.filter(action=Action.MEDICAL_UPDATED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gir", "7", "Le GIR doit être un nombre de 1 à 6."),
        ("gir", "0", "Le GIR doit être un nombre de 1 à 6."),
        ("antecedents", "x" * 4001, "Ce texte est trop long"),
    ],
)
def test_bad_medical_input_is_refused_and_nothing_is_saved(doctor_card, dossier, field, value, message):
    response = medical_post(login_client(doctor_card), dossier, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.antecedents == "" and dossier.gir is None and dossier.version == 1
    assert not Entry.objects.filter(action=Action.MEDICAL_UPDATED).exists()


@pytest.mark.django_db
def test_stale_version_is_refused_and_the_input_is_kept(doctor_card, dossier):
    client = login_client(doctor_card)
    medical_post(client, dossier)  # version 1 -> 2
    response = medical_post(client, dossier, antecedents="Ma saisie à ne pas perdre", version=1)
    page = response.content.decode()
    assert response.status_code == 400
    assert "modifié entre-temps" in page and "Ma saisie à ne pas perdre" in page
    dossier.refresh_from_db()
    assert dossier.antecedents == "HTA"


@pytest.mark.django_db
def test_validation_flow(doctor_card, dossier):
    client = login_client(doctor_card)
    medical_post(client, dossier)
    client.post(f"/dossiers/{dossier.number}/valider/")
    dossier.refresh_from_db()
    assert dossier.status == Status.VALIDATED and dossier.validated_by == doctor_card.holder
    # Editing a validated volet sends it back to « En cours de saisie ».
    medical_post(client, dossier, antecedents="HTA, diabète")
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS and dossier.validated_by is None
    actions = list(Entry.objects.filter(dossier=dossier).order_by("id").values_list("action", flat=True))
    assert actions == [Action.MEDICAL_UPDATED, Action.MEDICAL_VALIDATED, Action.MEDICAL_UPDATED]


@pytest.mark.django_db
def test_validation_needs_a_gir(doctor_card, dossier):
    client = login_client(doctor_card)
    response = client.post(f"/dossiers/{dossier.number}/valider/", follow=True)
    assert "Avant de valider le volet médical, renseignez : GIR." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_send_then_archive(doctor_card, dossier):
    client = login_client(doctor_card)
    assert "ne peut être envoyé" in client.post(f"/dossiers/{dossier.number}/envoyer/", follow=True).content.decode()
    medical_post(client, dossier)
    client.post(f"/dossiers/{dossier.number}/valider/")
    client.post(f"/dossiers/{dossier.number}/envoyer/")
    dossier.refresh_from_db()
    assert dossier.status == Status.SENT
    # A sent dossier's volet médical is read-only.
    response = client.post(
        f"/dossiers/{dossier.number}/volet-medical/", {**MEDICAL, "antecedents": "tardif", "version": 4}, follow=True
    )
    assert "ne peut plus être modifié" in response.content.decode()
    client.post(f"/dossiers/{dossier.number}/archiver/")
    dossier.refresh_from_db()
    assert dossier.status == Status.ARCHIVED


@pytest.mark.django_db
def test_history_page_is_paginated_newest_first(doctor_card, dossier):
    client = login_client(doctor_card)
    for _ in range(30):
        client.get(f"/dossiers/{dossier.number}/")
    page = client.get(f"/dossiers/{dossier.number}/historique/").content.decode()
    assert page.count("Consultation du dossier") == 25 and "Page suivante" in page
    page2 = client.get(f"/dossiers/{dossier.number}/historique/", {"page": 2}).content.decode()
    assert page2.count("Consultation du dossier") == 5


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(doctor_card, dossier):
    client = login_client(doctor_card)
    client.handler.enforce_csrf_checks = True
    response = medical_post(client, dossier)
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.version == 1


# --- Creating a dossier ---------------------------------------------------------------------------

NEW = {
    "dossier_type": "EHPAD",
    "birth_name": "Durand",
    "usage_name": "",
    "first_name": "Odette",
    "birth_date": "1936-04-02",
    "sex": "F",
}


@pytest.mark.django_db
def test_create_a_dossier(doctor_card):
    client = login_client(doctor_card)
    response = client.post("/dossiers/nouveau/", NEW)
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response.url == f"/dossiers/{dossier.number}/"
    assert dossier.medecin_traitant == doctor_card.holder.professional
    assert dossier.number == f"{timezone.now():%Y}-{dossier.pk:07d}"
    assert Entry.objects.get(dossier=dossier).action == Action.DOSSIER_CREATED


@pytest.mark.django_db
def test_duplicate_alert_then_confirm(doctor_card):
    existing = DossierFactory(
        medecin_traitant=doctor_card.holder.professional,
        patient=PatientFactory(birth_name="DURAND", first_name="Odette", birth_date=datetime.date(1936, 4, 2), sex="F"),
    )
    client = login_client(doctor_card)
    page = client.post("/dossiers/nouveau/", NEW).content.decode()
    assert "Un dossier existe déjà pour ce patient" in page
    assert f"/dossiers/{existing.number}/" in page
    assert Dossier.objects.count() == 1
    response = client.post("/dossiers/nouveau/", {**NEW, "confirm_duplicate": "on"})
    assert response.status_code == 302 and Dossier.objects.count() == 2


@pytest.mark.django_db
def test_duplicate_of_another_doctors_patient_is_not_revealed(doctor_card, other_doctor_card):
    DossierFactory(
        medecin_traitant=other_doctor_card.holder.professional,
        patient=PatientFactory(birth_name="DURAND", first_name="Odette", birth_date=datetime.date(1936, 4, 2), sex="F"),
    )
    response = login_client(doctor_card).post("/dossiers/nouveau/", NEW)
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_date": "2999-01-01"}, "La date de naissance ne peut pas être dans le futur."),
        ({"birth_date": "pas une date"}, "Saisissez une date valide."),
        ({"birth_name": ""}, "Saisissez le nom de naissance."),
        ({"first_name": "x" * 101}, "100 caractères"),
        ({"sex": ""}, "Indiquez le sexe."),
    ],
)
def test_bad_new_dossier_input(doctor_card, overrides, message):
    response = login_client(doctor_card).post("/dossiers/nouveau/", {**NEW, **overrides})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_long_history_is_counted_only_a_few_pages_ahead(doctor_card, dossier):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.pagination import PAGES_AHEAD
    from journal.services import record

    client = login_client(doctor_card)
    per_page = 25
    for _ in range(per_page * (PAGES_AHEAD + 3) - 1):
        record(action=Action.DOSSIER_VIEWED, actor_user=doctor_card.holder, actor_name="X", actor_role="medecin",
               dossier=dossier)  # fmt: skip
    page = client.get(f"/dossiers/{dossier.number}/historique/").content.decode()
    assert f"1 / plus de {PAGES_AHEAD + 1}" in page
    # The count reads at most PAGES_AHEAD pages past the one asked for, not every entry.
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/dossiers/{dossier.number}/historique/")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and f"LIMIT {(1 + PAGES_AHEAD) * per_page + 1}" in counts[0]
    # Every entry stays reachable: near the end, the count is exact.
    last = client.get(f"/dossiers/{dossier.number}/historique/", {"page": PAGES_AHEAD + 3}).content.decode()
    assert f"{PAGES_AHEAD + 3} / {PAGES_AHEAD + 3}<" in last and "plus de" not in last


@pytest.mark.django_db
def test_many_dossiers_are_counted_only_a_few_pages_ahead(doctor_card):
    from core.pagination import PAGES_AHEAD

    client = login_client(doctor_card)
    DossierFactory.create_batch(20 * (PAGES_AHEAD + 1) + 1, medecin_traitant=doctor_card.holder.professional)
    page = client.get("/dossiers/").content.decode()
    assert f"Plus de {20 * (PAGES_AHEAD + 1)} dossiers" in page and f"1 / plus de {PAGES_AHEAD + 1}" in page
    # A narrower list is counted exactly.
    DossierFactory(medecin_traitant=doctor_card.holder.professional, patient__birth_name="ZYGOMATIQUE")
    assert "1 dossier." in client.get("/dossiers/", {"q": "zygomatique"}).content.decode()


@pytest.mark.django_db
def test_the_dossier_page_elides_de_before_a_vowel(doctor_card):
    dossier = DossierFactory(
        medecin_traitant=doctor_card.holder.professional,
        patient__first_name="André",
        patient__usage_name="",
        patient__birth_name="GIRARD",
    )
    page = html.unescape(login_client(doctor_card).get(f"/dossiers/{dossier.number}/").content.decode())
    assert "<h1>Dossier d'André GIRARD</h1>" in page
    assert "<title>Dossier d'André GIRARD — " in page
