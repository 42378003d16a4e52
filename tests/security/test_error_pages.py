"""A user never sees an English or technical error page: not when the database is down while he is logged in,
not under DEBUG=1 (`make run`)."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.conftest import login_client

ENGLISH = ["Traceback", "Server Error", "Page not found", "Forbidden", "Request Method", "Django", "DEBUG = True"]


def assert_french_page(response, status, title):
    page = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in page and f"Erreur {status}." in page
    assert '<html lang="fr"' in page
    for word in ENGLISH:
        assert word not in page, word


def database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dossiers/", "/delegations/", "/connexion/"])
def test_a_logged_in_user_gets_the_french_500_page_when_the_database_is_down(doctor_card, monkeypatch, url):
    client = login_client(doctor_card)
    client.raise_request_exception = False
    # Every query fails from here: the session, the user, the page, the error page's own context if it had one.
    monkeypatch.setattr(connection, "_cursor", database_down)
    response = client.get(url)
    assert_french_page(response, 500, "Erreur du service")
    assert "no-store" in response["Cache-Control"]
    # The request log line and its id survive too (reading the user again would fail the log middleware).
    assert response.has_header("X-Request-ID")


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = "tests.security.error_urls"


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [True, False])
@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/page-qui-n-existe-pas/", 404, "Page introuvable"),
        ("/essai/absent/", 404, "Page introuvable"),
        ("/essai/refuse/", 403, "Accès refusé"),
        ("/essai/panne/", 500, "Erreur du service"),
    ],
)
def test_with_debug_on_errors_are_the_french_pages(debug_on, doctor_card, logged_in, url, status, title):
    client = login_client(doctor_card) if logged_in else Client()
    client.raise_request_exception = False
    response = client.get(url)
    assert_french_page(response, status, title)
    if logged_in and status != 500:
        assert doctor_card.holder.display_name in response.content.decode()  # the usual header, with the user


@pytest.mark.django_db
def test_with_debug_on_a_dossier_that_is_not_the_users_is_the_french_404(debug_on, doctor_card):
    assert_french_page(login_client(doctor_card).get("/dossiers/D-INCONNU/"), 404, "Page introuvable")


@pytest.mark.django_db
def test_with_debug_on_the_database_down_is_the_french_500_page(debug_on, doctor_card, monkeypatch):
    client = login_client(doctor_card)
    client.raise_request_exception = False
    monkeypatch.setattr(connection, "_cursor", database_down)
    assert_french_page(client.get("/dossiers/"), 500, "Erreur du service")


@pytest.mark.django_db
def test_with_debug_on_the_test_client_still_reports_the_exception(debug_on, doctor_card):
    """The French page is for the user; the developer (and the test suite) still get the exception."""
    with pytest.raises(RuntimeError, match="Something broke"):
        login_client(doctor_card).get("/essai/panne/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/dossiers/%00/", "/dossiers/%00/historique/", "/annuaire/?name=a%00b", "/dossiers/?page=1%00"],
)
def test_a_nul_byte_in_the_address_is_the_french_400_on_both_databases(doctor_card, url):
    """PostgreSQL refuses a NUL in text it compares with (a 500 there, a 404 on SQLite): refused before any read."""
    client = login_client(doctor_card)
    client.raise_request_exception = False
    assert_french_page(client.get(url), 400, "Requête invalide")


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["²", "٣", "1²"])
def test_a_page_number_that_python_calls_a_digit_but_is_no_number_gives_the_first_page(doctor_card, page):
    client = login_client(doctor_card)
    client.raise_request_exception = False
    assert client.get("/dossiers/", {"page": page}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["²", "٣", "99999999999999999999999"])
def test_a_chosen_colleague_that_is_no_number_is_no_choice(doctor_card, choice):
    client = login_client(doctor_card)
    client.raise_request_exception = False
    response = client.get("/delegations/medecin/ajouter/", {"selectionne": choice})
    assert response.status_code == 200


@pytest.mark.django_db
def test_make_runs_server_leaves_static_files_to_the_application(settings):
    """`make run` is runserver with DEBUG on: Django's own static handler, wrapped around the application, answers
    a missing file with its English technical page. WhiteNoise's runserver leaves static files to the application,
    whose 404 is the French page (the tests above; checked by hand on a running `make run`)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import get_commands, load_command_class

    settings.DEBUG = True
    assert get_commands()["runserver"] == "whitenoise.runserver_nostatic"
    command = load_command_class(get_commands()["runserver"], "runserver")
    options = vars(command.create_parser("manage.py", "runserver").parse_args([]))  # as `make run` starts it
    assert not isinstance(command.get_handler(**options), StaticFilesHandler)
    client = Client()
    client.raise_request_exception = False
    assert_french_page(client.get("/static/absent.css"), 404, "Page introuvable")
    assert client.get("/static/core/app.css").status_code == 200
