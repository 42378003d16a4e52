"""Fuzzing every form with Hypothesis: never a 500, errors always in French, nothing half-written.

Deterministic (derandomize) and bounded: the whole module stays well under a minute.
"""

import datetime
import html
import re
from pathlib import Path

import pytest
from django import forms as django_forms
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from delegations.models import Delegation, Kind, State
from directory.models import PracticePlace, Professional
from dossiers.models import Dossier
from tests.conftest import login_client, make_delegation
from tests.directory.helpers import HEADERS, line, person
from tests.factories import CardFactory, DoctorUserFactory, PracticePlaceFactory, UserFactory

pytestmark = pytest.mark.slow  # `make test-fast` leaves them out; `make test` and `.ci/run` run them all

FUZZ = hsettings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# No surrogates: a browser cannot send them (they are not encodable in UTF-8).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
LONG = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=101, max_size=3000)
DATES = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str)
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70).map(str)
VALUE = st.one_of(TEXT, LONG, DATES, NUMBERS, st.sampled_from(["", "on", "1", "0", "true", "null", "\x00", "é" * 5]))


def payload(fields, **fixed):
    """A dict of some of `fields` (others missing) with random values, plus fixed extras."""
    return st.dictionaries(st.sampled_from(fields), VALUE, max_size=len(fields)).map(lambda d: {**d, **fixed})


ENGLISH = re.compile(r"\b(This field|Enter a|Ensure this|Select a|is required|valid date|characters)\b")
FRENCH = re.compile(
    r"Saisissez|Ce champ|Assurez-vous|Sélectionnez|Choisissez|Cochez|Indiquez|La date|Le GIR|Le caractère|"
    r"Code PIN|Cette carte|carte|n'existe|Le nombre|Vérifiez|Un dossier|[éèàùâêîôûç]",
    re.IGNORECASE,
)


def form_errors(response) -> list[str]:
    """Every error message of every form the page rendered."""
    found = []

    def walk(value, depth=0):
        if isinstance(value, django_forms.BaseForm):
            for errors in value.errors.values():
                found.extend(str(e) for e in errors)
        elif isinstance(value, dict) and depth < 3:
            for item in value.values():
                walk(item, depth + 1)

    for context in response.context or []:
        for value in context.flatten().values():
            walk(value)
    return found


def check_answer(response):
    assert response.status_code < 500, response.status_code
    if response.status_code in (200, 400):
        page = html.unescape(response.content.decode())
        for message in form_errors(response):
            assert not ENGLISH.search(message), f"message en anglais : {message!r}"
            assert FRENCH.search(message), f"message non reconnu comme français : {message!r}"
            assert html.unescape(html.escape(message)) in page


@pytest.fixture(autouse=True)
def _demo_and_no_rate_limits(settings):
    settings.DEMO = True
    for name in ("RATELIMIT_PIN_PER_IP", "RATELIMIT_PIN_PER_CARD", "RATELIMIT_PSC_PER_IP", "RATELIMIT_SEARCH_PER_USER"):
        setattr(settings, name, "100000/m")


@pytest.fixture
def doctor(doctor_card):
    return login_client(doctor_card)


@pytest.mark.django_db
def test_fuzz_demo_login(db):
    card = CardFactory()

    @FUZZ
    @given(payload(["card", "pin", "next"]) | payload(["pin", "next"], card=str(card.pk)))
    def run(data):
        client = Client()
        response = client.post("/connexion/demo/", data)
        check_answer(response)
        if response.status_code != 302:
            assert "_auth_user_id" not in client.session

    run()


@pytest.mark.django_db
def test_fuzz_new_dossier(doctor):
    fields = ["dossier_type", "birth_name", "usage_name", "first_name", "birth_date", "sex", "confirm_duplicate"]

    @FUZZ
    @given(payload(fields) | payload(fields[1:], dossier_type="ehpad", sex="F"))
    def run(data):
        before = Dossier.objects.count()
        response = doctor.post("/dossiers/nouveau/", data)
        check_answer(response)
        if response.status_code != 302:
            assert Dossier.objects.count() == before

    run()


@pytest.mark.django_db
def test_fuzz_volet_medical(doctor, dossier):
    fields = ["antecedents", "pathologies", "traitements", "allergies", "gir", "commentaire", "version"]

    @FUZZ
    @given(payload(fields) | payload(fields[:-1], version=str(dossier.version)))
    def run(data):
        before = Dossier.objects.get(pk=dossier.pk)
        response = doctor.post(f"/dossiers/{dossier.number}/volet-medical/", data)
        check_answer(response)
        after = Dossier.objects.get(pk=dossier.pk)
        if response.status_code != 302:
            assert (after.version, after.antecedents, after.gir) == (before.version, before.antecedents, before.gir)

    run()


RIGHTS_AND_DATES = ["can_consult", "can_create", "can_edit", "can_validate", "starts_on", "ends_on"]


@pytest.mark.django_db
def test_fuzz_assistant_delegation(doctor):
    fields = ["last_name", "first_name", "email", *RIGHTS_AND_DATES]

    @FUZZ
    @given(payload(fields) | payload(fields[3:], last_name="Bernard", first_name="Sophie", email="s@example.org"))
    def run(data):
        before = Delegation.objects.count()
        response = doctor.post("/delegations/assistant/ajouter/", data)
        check_answer(response)
        if response.status_code != 302:
            assert Delegation.objects.count() == before
        Delegation.objects.all().delete()  # the next example may add the same person again

    run()


@pytest.mark.django_db
def test_fuzz_colleague_delegation_with_a_selected_doctor(doctor):
    colleague = PracticePlaceFactory(email="").professional  # no directory address: the e-mail field shows
    url = f"/delegations/medecin/ajouter/?selectionne={colleague.pk}"

    @FUZZ
    @given(payload(["email", *RIGHTS_AND_DATES]))
    def run(data):
        before = Delegation.objects.count()
        response = doctor.post(url, data)
        check_answer(response)
        if response.status_code != 302:
            assert Delegation.objects.count() == before
        Delegation.objects.all().delete()

    run()


@pytest.mark.django_db
def test_fuzz_modify_delegation(doctor_card, doctor):
    assistant = CardFactory(card_type="CPE", holder=UserFactory(email="a@example.org"))
    delegation = make_delegation(doctor_card, assistant, state=State.ACCEPTED, rights=("consult",))
    assert delegation.kind == Kind.ASSISTANT

    @FUZZ
    @given(payload(RIGHTS_AND_DATES))
    def run(data):
        before = Delegation.objects.filter(pk=delegation.pk).values().get()
        response = doctor.post(f"/delegations/{delegation.pk}/modifier/", data)
        check_answer(response)
        if response.status_code != 302:
            assert Delegation.objects.filter(pk=delegation.pk).values().get() == before
        else:  # a valid change: put the delegation back as it was for the next example
            Delegation.objects.filter(pk=delegation.pk).update(
                **{k: v for k, v in before.items() if k not in ("id", "updated_at")}
            )

    run()


@pytest.mark.django_db
def test_fuzz_directory_search(doctor):
    DoctorUserFactory()

    @FUZZ
    @given(payload(["name", "first_name", "place", "profession", "page"]))
    def run(data):
        response = doctor.get("/annuaire/", data)
        check_answer(response)
        if any("\x00" in str(value) for value in data.values()):
            # A NUL in a query is no real search (PostgreSQL refuses it): the French « Requête invalide » page.
            assert response.status_code == 400 and "Requête invalide" in response.content.decode()
        else:
            assert response.status_code == 200

    run()


# --- The directory import: random extract lines through `manage.py import_annuaire` ---

COLUMNS = HEADERS[56]
FIELD = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="|\r\n\x00"), max_size=30)
ROW = st.builds(
    lambda identifier, last, first, postal, commune, code: (
        line(person(identifier, last, first, postal_code=postal, commune=commune, profession_code=code), COLUMNS) + "|"
    ),
    st.one_of(st.from_regex(r"\A99[0-9]{9}\Z"), FIELD),
    FIELD,
    FIELD,
    st.one_of(st.from_regex(r"\A[0-9]{5}\Z"), FIELD),
    FIELD,
    st.sampled_from(["10", "60", "", "x"]),
)
RAW = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=200)


@pytest.mark.django_db
def test_fuzz_import_annuaire(tmp_path):
    path = Path(tmp_path) / "extract.txt"

    @hsettings(FUZZ, max_examples=12)
    @given(st.lists(st.one_of(ROW, RAW), max_size=8), st.sampled_from(["utf-8", "cp1252"]))
    def run(lines, encoding):
        content = "\r\n".join(["|".join(COLUMNS) + "|", *lines]) + "\r\n"
        path.write_bytes(content.encode(encoding, errors="replace"))
        before = (Professional.objects.count(), PracticePlace.objects.count())
        before_rows = set(Professional.objects.values_list("national_id", "last_name", "is_active"))
        try:
            call_command("import_annuaire", str(path), "--no-progress", stdout=_Sink(), stderr=_Sink())
        except CommandError as error:
            assert FRENCH.search(str(error)), str(error)
            assert (Professional.objects.count(), PracticePlace.objects.count()) == before
            assert set(Professional.objects.values_list("national_id", "last_name", "is_active")) == before_rows

    run()


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass
