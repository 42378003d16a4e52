"""Issue « Trust at the edges », 1: the operator is a user like the others — limited, traced, unable to impersonate.

The admin (ADMIN_URL, /gestion/ by default) is Django's; these tests drive it as an operator's browser would.
"""

import importlib

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import clear_url_caches, resolve
from django.urls.exceptions import Resolver404

from accounts.models import Card, User
from accounts.operators import JournaledAdmin
from accounts.services import IdentityError, correct_identity
from core.ratelimit import MESSAGE
from journal.models import Action, ActorRole, Entry
from journal.verify import verify
from tests.conftest import login_client
from tests.factories import CardFactory, DossierFactory, PatientFactory, ProfessionalFactory, UserFactory

ADMIN = "/gestion/"
LOGIN = "/gestion/login/"
PASSWORD = "correct horse battery staple"  # noqa: S105


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operateur.durand", PASSWORD, first_name="Alice", last_name="Durand")


@pytest.fixture
def marc(db):
    return CardFactory(card_type="CPA", holder=UserFactory(first_name="Marc", last_name="PETIT"))


@pytest.fixture
def martin_dossier(martin):
    patient = PatientFactory(birth_name="ROUSSEAU", first_name="Yvette")
    return DossierFactory(medecin_traitant=martin.holder.professional, patient=patient)


def admin_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": ADMIN})


def operator_client(operator) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.10")
    assert admin_login(client, operator.identifier, PASSWORD).status_code == 302
    return client


def assert_french_429(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert MESSAGE in page and "Trop de tentatives" in page
    assert int(response["Retry-After"]) > 0


# --- Limited: the admin's login is rate-limited per account and per IP address ---


@pytest.mark.django_db
def test_the_41st_admin_login_attempt_is_refused_even_with_the_right_password(operator):
    """The issue's attack: 40 wrong passwords, then the right one. With the defaults, the account's allowance (5
    failures in 15 minutes) is spent long before; the right password no longer opens anything."""
    client = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [admin_login(client, operator.identifier, f"essai-{n}").status_code for n in range(40)]
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    response = admin_login(client, operator.identifier, PASSWORD)
    assert_french_429(response)
    assert "_auth_user_id" not in client.session
    # Another address is limited too: the counter is the account's.
    assert_french_429(admin_login(Client(REMOTE_ADDR="198.51.100.1"), operator.identifier, PASSWORD))


@pytest.mark.django_db
def test_admin_login_is_limited_per_ip_across_accounts(settings, operator):
    settings.RATELIMIT_ADMIN_PER_IP = "3/15m"
    client = Client(REMOTE_ADDR="203.0.113.60")
    for name in ("alpha", "beta", "gamma"):
        assert admin_login(client, name, "x").status_code == 200
    assert_french_429(admin_login(client, operator.identifier, PASSWORD))
    assert operator_client(operator)  # another address logs in


@pytest.mark.django_db
def test_the_account_counter_ignores_case_and_spaces(settings, operator):
    settings.RATELIMIT_ADMIN_PER_ACCOUNT = "2/15m"
    for n, name in enumerate(("OPERATEUR.DURAND", " operateur.durand ")):
        assert admin_login(Client(REMOTE_ADDR=f"203.0.113.{70 + n}"), name, "x").status_code == 200
    assert_french_429(admin_login(Client(REMOTE_ADDR="203.0.113.79"), operator.identifier, PASSWORD))


@pytest.mark.django_db
def test_only_failed_admin_logins_use_up_the_allowance(settings, operator):
    settings.RATELIMIT_ADMIN_PER_ACCOUNT = "2/15m"
    settings.RATELIMIT_ADMIN_PER_IP = "2/15m"
    assert admin_login(Client(), operator.identifier, "faux").status_code == 200
    for _ in range(4):  # successful logins give their attempt back
        assert admin_login(Client(), operator.identifier, PASSWORD).status_code == 302
    assert admin_login(Client(), operator.identifier, "faux").status_code == 200
    assert_french_429(admin_login(Client(), operator.identifier, PASSWORD))


# --- Traced: every operator login and failed login is in the hash-chained journal ---


@pytest.mark.django_db
def test_operator_logins_and_failures_are_journaled_without_the_password(operator):
    secret_typed_as_name = "Tr0ub4dor&3"  # a password typed in the identifier field
    admin_login(Client(REMOTE_ADDR="203.0.113.80"), operator.identifier, "mauvais-mot-de-passe")
    admin_login(Client(REMOTE_ADDR="203.0.113.81"), secret_typed_as_name, PASSWORD)
    operator_client(operator)
    entries = list(Entry.objects.order_by("sequence"))
    assert [e.action for e in entries] == [
        Action.OPERATOR_LOGIN_FAILED,
        Action.OPERATOR_LOGIN_FAILED,
        Action.OPERATOR_LOGIN,
    ]
    wrong_password, unknown, success = entries
    assert (wrong_password.actor, wrong_password.actor_role) == (operator, ActorRole.OPERATOR)
    assert "203.0.113.80" in wrong_password.detail
    assert unknown.actor is None and unknown.actor_name == "inconnu" and "identifiant inconnu" in unknown.detail
    assert (success.actor, success.actor_role, success.actor_name) == (operator, ActorRole.OPERATOR, "Alice DURAND")
    assert "192.0.2.10" in success.detail
    for entry in entries:
        text = repr({f.name: getattr(entry, f.name) for f in Entry._meta.fields})
        assert secret_typed_as_name not in text and PASSWORD not in text and "mauvais-mot-de-passe" not in text
    assert not User.objects.filter(identifier=secret_typed_as_name).exists()
    assert verify().ok


@pytest.mark.django_db
def test_a_card_login_is_journaled_once_and_not_as_an_operator(settings, martin):
    settings.DEMO = True
    client = Client()
    assert client.post("/connexion/demo/", {"card": martin.pk, "pin": "1234"}).status_code == 302
    assert list(Entry.objects.values_list("action", flat=True)) == [Action.LOGIN]


@pytest.mark.django_db
def test_a_card_session_does_not_open_the_admin(settings, martin):
    """A card holder who is also staff, logged in with his card, still needs the operator's login."""
    settings.DEMO = True
    User.objects.filter(pk=martin.holder.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.post("/connexion/demo/", {"card": martin.pk, "pin": "1234"})
    response = client.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- Unable to impersonate: who a card holder is cannot be changed through the admin ---


def user_form(user, **changes):
    data = {
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "cards-TOTAL_FORMS": "0",
        "cards-INITIAL_FORMS": "0",
        "cards-MIN_NUM_FORMS": "0",
        "cards-MAX_NUM_FORMS": "1000",
        **changes,
    }
    return {k: v for k, v in data.items() if v != ""}


@pytest.mark.django_db
def test_the_issue_attack_moving_dr_martins_directory_entry_to_marc_is_refused(
    settings, operator, martin, marc, martin_dossier
):
    settings.DEMO = True
    client = operator_client(operator)
    professional = martin.holder.professional
    before = Entry.objects.count()
    # Clear Dr MARTIN's directory link, then give it (and his national identifier) to Marc PETIT.
    client.post(f"{ADMIN}accounts/user/{martin.holder.pk}/change/", user_form(martin.holder, professional=""))
    client.post(
        f"{ADMIN}accounts/user/{marc.holder.pk}/change/",
        user_form(marc.holder, professional=str(professional.pk), identifier=professional.national_id),
    )
    # Turn Marc's CPA into a CPS, in the card's page and in the user's card inline.
    assert client.post(f"{ADMIN}accounts/card/{marc.pk}/change/", {"card_type": "CPS"}).status_code == 403
    client.post(
        f"{ADMIN}accounts/user/{marc.holder.pk}/change/",
        user_form(
            marc.holder,
            **{
                "cards-TOTAL_FORMS": "1",
                "cards-INITIAL_FORMS": "1",
                "cards-0-id": str(marc.pk),
                "cards-0-holder": str(marc.holder.pk),
                "cards-0-card_type": "CPS",
                "cards-0-number": martin.number,
            },
        ),
    )
    # Nor can a CPS card be added to Marc, nor a user linked to the directory be created.
    assert client.get(f"{ADMIN}accounts/card/add/").status_code == 403
    assert client.get(f"{ADMIN}accounts/user/add/").status_code == 403
    assert client.post(f"{ADMIN}accounts/card/add/", {"holder": marc.holder.pk, "card_type": "CPS"}).status_code == 403

    martin.holder.refresh_from_db()
    marc.holder.refresh_from_db()
    marc.refresh_from_db()
    assert martin.holder.professional == professional
    assert marc.holder.professional is None and marc.holder.identifier != professional.national_id
    assert (marc.card_type, marc.number) == ("CPA", marc.number)
    assert not Card.objects.filter(holder=marc.holder).exclude(pk=marc.pk).exists()
    assert not Entry.objects.filter(action=Action.OPERATOR_CHANGE).exists()
    assert Entry.objects.count() == before
    # Marc logs in with his own card: no dossier of Dr MARTIN, no MES DELEGATIONS.
    marc_client = Client()
    assert marc_client.post("/connexion/demo/", {"card": marc.pk, "pin": "1234"}).status_code == 302
    assert "ROUSSEAU" not in marc_client.get("/dossiers/").content.decode()
    assert marc_client.get(f"/dossiers/{martin_dossier.number}/").status_code == 404
    page = marc_client.get("/dossiers/").content.decode()
    assert "MES DELEGATIONS" not in page
    assert marc_client.get("/delegations/").status_code in (403, 404)


@pytest.mark.django_db
def test_the_admin_shows_identity_read_only(operator, martin):
    client = operator_client(operator)
    page = client.get(f"{ADMIN}accounts/user/{martin.holder.pk}/change/").content.decode()
    for name in ("identifier", "first_name", "last_name", "professional"):
        assert f'name="{name}"' not in page
    assert 'name="email"' in page
    card_page = client.get(f"{ADMIN}accounts/card/{martin.pk}/change/").content.decode()
    assert 'name="card_type"' not in card_page and 'name="number"' not in card_page
    assert martin.pin_hash not in card_page


@pytest.mark.django_db
def test_an_operator_change_to_a_person_is_journaled_before_and_after(operator, marc):
    client = operator_client(operator)
    old_email = marc.holder.email
    response = client.post(
        f"{ADMIN}accounts/user/{marc.holder.pk}/change/",
        user_form(marc.holder, email="marc.petit@cabinet.example.org", is_active=""),
    )
    assert response.status_code == 302
    entry = Entry.objects.get(action=Action.OPERATOR_CHANGE)
    assert (entry.actor, entry.actor_role) == (operator, ActorRole.OPERATOR)
    assert "Marc PETIT" in entry.detail
    assert sorted(entry.changes, key=lambda c: c["field"]) == [
        {"field": "email", "label": "adresse électronique", "old": old_email, "new": "marc.petit@cabinet.example.org"},
        {"field": "is_active", "label": "actif", "old": "oui", "new": "non"},
    ]
    assert verify().ok


@pytest.mark.django_db
def test_an_operator_cannot_raise_operator_rights_unless_superuser(operator, marc):
    clerk = User.objects.create_user("operateur.guichet", PASSWORD, is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client = operator_client(clerk)
    client.post(f"{ADMIN}accounts/user/{clerk.pk}/change/", user_form(clerk, is_superuser="on"))
    client.post(f"{ADMIN}accounts/user/{marc.holder.pk}/change/", user_form(marc.holder, is_staff="on"))
    clerk.refresh_from_db()
    marc.holder.refresh_from_db()
    assert not clerk.is_superuser and not marc.holder.is_staff


WRITABLE_WITHOUT_JOURNAL = {"dsfr.DsfrConfig"}


@pytest.mark.django_db
def test_every_admin_on_people_cards_delegations_dossiers_is_read_only_or_journaled(rf, operator):
    """A bank forbids rather than traces: each such admin either writes nothing or journals what it writes; and
    Django's « delete selected » bulk action exists nowhere."""
    request = rf.get(ADMIN)
    request.user = operator
    for model, model_admin in admin.site._registry.items():
        assert "delete_selected" not in model_admin.get_actions(request), model
        # Every registered admin is checked: only the DSFR's site settings (header and footer texts) are written
        # without the journal; a new admin must take a side.
        if model._meta.label in WRITABLE_WITHOUT_JOURNAL:
            continue
        writes = any(
            (
                model_admin.has_add_permission(request),
                model_admin.has_change_permission(request),
                model_admin.has_delete_permission(request),
            )
        )
        assert not writes or isinstance(model_admin, JournaledAdmin), model
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), inline
            assert not inline.has_change_permission(request), inline
            assert not inline.has_delete_permission(request), inline


@pytest.mark.django_db
def test_bulk_delete_of_users_is_refused(operator, marc):
    client = operator_client(operator)
    client.post(
        f"{ADMIN}accounts/user/", {"action": "delete_selected", "_selected_action": [marc.holder.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=marc.holder.pk).exists()
    assert client.post(f"{ADMIN}accounts/user/{marc.holder.pk}/delete/", {"post": "yes"}).status_code == 403


@pytest.mark.django_db
def test_unblocking_a_card_in_the_admin_is_journaled_with_the_operator(operator, marc):
    Card.objects.filter(pk=marc.pk).update(is_blocked=True, failed_attempts=3)
    client = operator_client(operator)
    response = client.post(f"{ADMIN}accounts/card/", {"action": "unblock", "_selected_action": [marc.pk]})
    assert response.status_code == 302
    marc.refresh_from_db()
    assert not marc.is_blocked and marc.failed_attempts == 0
    entry = Entry.objects.get(action=Action.CARD_UNBLOCKED)
    assert (entry.actor, entry.actor_role) == (operator, ActorRole.OPERATOR)
    assert marc.number in entry.detail and "Marc PETIT" in entry.detail


# --- Correcting an identity: a dedicated, journaled service with a reason; the person's sessions end ---


def assert_logged_out(client):
    response = client.get("/dossiers/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.django_db
def test_an_identity_correction_needs_an_operator_and_a_reason(operator, marc, martin):
    with pytest.raises(IdentityError, match="motif"):
        correct_identity(operator=operator, user=marc.holder, reason="  ", last_name="PETITJEAN")
    with pytest.raises(IdentityError, match="opérateur"):
        correct_identity(operator=martin.holder, user=marc.holder, reason="demande", last_name="PETITJEAN")
    marc.holder.refresh_from_db()
    assert marc.holder.last_name == "PETIT" and not Entry.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_to_give_dr_martins_directory_entry_to_marc(operator, martin, marc):
    professional = martin.holder.professional
    with pytest.raises(IdentityError, match="même identifiant national"):
        correct_identity(operator=operator, user=marc.holder, reason="erreur de saisie", professional=professional)
    with pytest.raises(IdentityError, match="celui d'un professionnel de l'annuaire"):
        correct_identity(
            operator=operator,
            user=marc.holder,
            reason="erreur de saisie",
            identifier=professional.national_id,
            professional=professional,
        )
    with pytest.raises(IdentityError, match="CPS ou CPF"):
        correct_identity(operator=operator, user=marc.holder, reason="erreur", cards={marc.pk: {"card_type": "CPS"}})
    marc.refresh_from_db()
    assert marc.card_type == "CPA" and not Entry.objects.exists()


@pytest.mark.django_db
def test_two_corrections_cannot_hand_dr_martins_identity_to_marc(operator, martin, marc):
    """Take the identifier and the directory entry away from Dr MARTIN (allowed, journaled), then give them to Marc
    with a CPS card: refused, a directory's national identifier is never given by an operator."""
    professional = martin.holder.professional
    correct_identity(
        operator=operator,
        user=martin.holder,
        reason="doublon supposé",
        identifier=f"{professional.national_id}-ancien",
        professional=None,
    )
    with pytest.raises(IdentityError, match="celui d'un professionnel de l'annuaire"):
        correct_identity(
            operator=operator,
            user=marc.holder,
            reason="erreur de saisie",
            identifier=professional.national_id,
            professional=professional,
            cards={marc.pk: {"card_type": "CPS"}},
        )
    marc.refresh_from_db()
    assert marc.card_type == "CPA" and marc.holder.professional is None
    assert marc.holder.identifier != professional.national_id
    dossier = DossierFactory(medecin_traitant=professional)
    assert login_client(marc).get(f"/dossiers/{dossier.number}/").status_code == 404


@pytest.mark.django_db
def test_only_a_superuser_corrects_an_operators_identity(operator, marc):
    clerk = User.objects.create_user("operateur.petit", PASSWORD, is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename="change_user"))
    clerk = User.objects.get(pk=clerk.pk)  # permissions cache
    with pytest.raises(IdentityError, match="superutilisateur"):
        correct_identity(operator=clerk, user=operator, reason="nom mal saisi", last_name="DURANT")
    # Names are cleaned like any typed name (a bare « \r » would break a mail's header).
    correct_identity(operator=clerk, user=marc.holder, reason="nom mal saisi", last_name="PE\rTIT")
    assert User.objects.get(pk=marc.holder.pk).last_name == "PE TIT"


@pytest.mark.django_db
def test_a_failed_admin_login_names_only_an_operator(martin):
    """Anyone may type a doctor's identifier in the admin's login form: the journal must not say he tried."""
    admin_login(Client(), martin.holder.identifier, "n'importe quoi")
    admin_login(Client(), "operateur\x00", "n'importe quoi")  # PostgreSQL refuses a NUL in text: no 500
    entries = list(Entry.objects.order_by("sequence"))
    assert [e.action for e in entries] == [Action.OPERATOR_LOGIN_FAILED] * 2
    assert all(e.actor is None and e.actor_name == "inconnu" for e in entries)


@pytest.mark.django_db
def test_a_card_correction_is_journaled_and_ends_the_persons_sessions(operator, marc):
    old_number = marc.number
    client = login_client(marc)
    assert client.get("/dossiers/").status_code == 200
    correct_identity(
        operator=operator,
        user=marc.holder,
        reason="carte CPE délivrée par l'ANS, saisie CPA par erreur (courrier du 2 décembre)",
        cards={marc.pk: {"card_type": "CPE", "number": "8000000099"}},
    )
    marc.refresh_from_db()
    assert (marc.card_type, marc.number) == ("CPE", "8000000099")
    entry = Entry.objects.get(action=Action.IDENTITY_CORRECTED)
    assert (entry.actor, entry.actor_role) == (operator, ActorRole.OPERATOR)
    assert "saisie CPA par erreur" in entry.detail and "Marc PETIT" in entry.detail
    assert [(c["field"], c["old"], c["new"]) for c in entry.changes] == [
        ("card_type", "CPA", "CPE"),
        ("number", old_number, "8000000099"),
    ]
    assert_logged_out(client)


@pytest.mark.django_db
def test_any_change_of_identity_ends_the_sessions_through_the_session_hash(martin):
    """Whatever path changes it (here a plain UPDATE, as a script would), a changed identity drops the sessions."""
    client = login_client(martin)
    assert client.get("/dossiers/").status_code == 200
    User.objects.filter(pk=martin.holder.pk).update(professional=ProfessionalFactory())
    assert_logged_out(client)


@pytest.mark.django_db
def test_the_command_corrects_with_operator_and_reason(operator, marc):
    call_command(
        "correct_identity",
        marc.holder.identifier,
        "--operator",
        operator.identifier,
        "--reason",
        "nom d'usage (acte de mariage)",
        "--last-name",
        "PETIT-DUVAL",
    )
    marc.holder.refresh_from_db()
    assert marc.holder.last_name == "PETIT-DUVAL"
    entry = Entry.objects.get(action=Action.IDENTITY_CORRECTED)
    assert entry.changes == [{"field": "last_name", "label": "nom", "old": "PETIT", "new": "PETIT-DUVAL"}]
    with pytest.raises(CommandError):
        call_command("correct_identity", marc.holder.identifier, "--operator", operator.identifier, "--last-name", "X")


# --- The admin's address is a setting ---


def test_the_admin_url_is_configurable(settings):
    import config.urls

    settings.ADMIN_URL = "back-office-7f3a/"
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert resolve("/back-office-7f3a/login/").view_name == "admin:login"
        with pytest.raises(Resolver404):
            resolve("/gestion/login/")
    finally:
        settings.ADMIN_URL = "gestion/"
        importlib.reload(config.urls)
        clear_url_caches()
    assert resolve("/gestion/login/").view_name == "admin:login"


@pytest.mark.django_db
def test_the_unblock_command_names_the_operator_in_the_journal(operator, marc):
    Card.objects.filter(pk=marc.pk).update(is_blocked=True, failed_attempts=3)
    call_command("unblock_card", marc.number, "--operator", operator.identifier)
    entry = Entry.objects.get(action=Action.CARD_UNBLOCKED)
    assert (entry.actor, entry.actor_role) == (operator, ActorRole.OPERATOR)
    with pytest.raises(CommandError):
        call_command("unblock_card", marc.number, "--operator", marc.holder.identifier)  # not an operator


@pytest.mark.django_db
def test_the_admin_correction_page_needs_a_reason_and_goes_through_the_service(operator, martin, marc):
    client = operator_client(operator)
    url = f"{ADMIN}accounts/user/{marc.holder.pk}/correction-identite/"
    assert "Corriger l'identité" in client.get(f"{ADMIN}accounts/user/{marc.holder.pk}/change/").content.decode()
    page = client.get(url).content.decode()
    assert "Motif de la correction" in page and 'name="identifier"' in page
    form = {
        "identifier": marc.holder.identifier,
        "first_name": "Marc",
        "last_name": "PETIT",
        "professional": "",
        f"card_{marc.pk}_type": "CPA",
        f"card_{marc.pk}_number": marc.number,
    }
    # No reason: refused, nothing written.
    response = client.post(url, {**form, "last_name": "PETITJEAN"})
    assert response.status_code == 200 and "Indiquez le motif de la correction." in response.content.decode()
    # The issue's attack, with a reason: Dr MARTIN's directory entry and a CPS card for Marc — refused.
    attack = {**form, "professional": martin.holder.professional.national_id, f"card_{marc.pk}_type": "CPS"}
    response = client.post(url, {**attack, "reason": "demande de Marc"})
    assert response.status_code == 200 and "même identifiant national" in response.content.decode()
    marc.holder.refresh_from_db()
    marc.refresh_from_db()
    assert marc.holder.last_name == "PETIT" and marc.holder.professional is None and marc.card_type == "CPA"
    assert not Entry.objects.filter(action=Action.IDENTITY_CORRECTED).exists()
    # A real correction: journaled with the reason, Marc's sessions end.
    marc_session = login_client(marc)
    response = client.post(url, {**form, "last_name": "PETIT-DUVAL", "reason": "nom d'usage (acte de mariage)"})
    assert response.status_code == 302
    entry = Entry.objects.get(action=Action.IDENTITY_CORRECTED)
    assert entry.actor == operator and "acte de mariage" in entry.detail
    assert entry.changes == [{"field": "last_name", "label": "nom", "old": "PETIT", "new": "PETIT-DUVAL"}]
    assert_logged_out(marc_session)


@pytest.mark.django_db
def test_operator_logout_is_journaled(operator):
    client = operator_client(operator)
    client.post(f"{ADMIN}logout/")
    entry = Entry.objects.order_by("-sequence").first()
    assert (entry.action, entry.actor, entry.actor_role) == (Action.LOGOUT, operator, ActorRole.OPERATOR)


@pytest.mark.django_db
def test_a_card_login_after_an_operator_login_closes_the_admin(settings, martin):
    """Same person, same browser: the card login keeps the session's data (same user) but not the admin."""
    settings.DEMO = True
    holder = martin.holder
    holder.is_staff = holder.is_superuser = True
    holder.set_password(PASSWORD)
    holder.save()
    client = Client()
    assert admin_login(client, holder.identifier, PASSWORD).status_code == 302
    assert client.get(ADMIN).status_code == 200
    assert client.post("/connexion/demo/", {"card": martin.pk, "pin": "1234"}).status_code == 302
    response = client.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
