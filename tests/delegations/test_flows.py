"""Delegation flows through the views, with a real SMTP server reading the mails (sent by the worker: `run_worker`)."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from delegations.models import Delegation, Invitation, Kind, State
from dossiers.models import Status
from journal.models import Action, Entry
from tests.conftest import login_client, make_delegation
from tests.factories import CardFactory, DossierFactory, PracticePlaceFactory, UserFactory
from tests.mail import run_worker

TODAY = timezone.localdate  # the application's date (Paris), not the machine's: they differ near midnight


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def invite_sophie(client, **overrides):
    data = {
        "last_name": "Bernard",
        "first_name": "Sophie",
        "email": "sophie.bernard@example.org",
        "can_consult": "on",
        "can_edit": "on",
        "starts_on": TODAY().isoformat(),
        "ends_on": "",
        **overrides,
    }
    return client.post("/delegations/assistant/ajouter/", data)


def link_in(mail) -> str:
    return re.search(r"http://\S+/delegations/invitation/\S+/", mail.body).group(0)


def path_of(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in url else re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def mail_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        yield callbacks


@pytest.mark.django_db
def test_assistant_story(martin, sophie, smtp_server, django_capture_on_commit_callbacks):
    yvette = DossierFactory(medecin_traitant=martin.holder.professional, patient__birth_name="ROUSSEAU")
    doctor = login_client(martin)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_sophie(doctor)
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert delegation.state == State.PENDING and delegation.can_consult and delegation.can_edit
    run_worker()
    [mail] = smtp_server.to("sophie.bernard@example.org")
    assert "Jean MARTIN" in mail.subject
    expires = timezone.localtime(delegation.invitations.get().expires_at)
    assert "Modifier les dossiers" in mail.body and f"valable jusqu'au {expires:%d/%m/%Y à %H:%M}." in mail.body
    assert mail.message.get_content_type() == "multipart/alternative"
    url = path_of(link_in(mail))

    # The link asks to log in first.
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/connexion/?next=")

    assistant = login_client(sophie)
    page = text(assistant.get(url))
    assert "Le médecin Jean MARTIN vous invite" in page and "Accepter" in page
    assert assistant.post(url, {"accepter": "1"}).status_code == 302
    delegation.refresh_from_db()
    assert delegation.state == State.ACCEPTED and delegation.delegate == sophie.holder
    # Single use.
    assert "Ce lien a déjà servi" in text(assistant.get(url))

    # Agir au nom de: the banner, the doctor's dossiers, only the granted actions.
    assistant.post(f"/delegations/agir/{delegation.pk}/")
    listing = text(assistant.get("/dossiers/"))
    assert "Vous agissez au nom du médecin Jean MARTIN" in listing and "ROUSSEAU" in listing
    assert "MES DELEGATIONS" not in listing
    assert assistant.get("/delegations/").status_code == 404
    dossier_page = text(assistant.get(f"/dossiers/{yvette.number}/"))
    assert "Enregistrer" in dossier_page and "Valider le volet médical" not in dossier_page
    assistant.post(
        f"/dossiers/{yvette.number}/volet-medical/", {"antecedents": "HTA", "gir": "4", "version": yvette.version}
    )
    assert assistant.post(f"/dossiers/{yvette.number}/valider/").status_code == 404
    yvette.refresh_from_db()
    assert yvette.antecedents == "HTA" and yvette.status == Status.IN_PROGRESS
    history = text(doctor.get(f"/dossiers/{yvette.number}/"))
    assert (
        "L'assistant(e) Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin Jean MARTIN"
    ) in history
    entry = Entry.objects.get(action=Action.MEDICAL_UPDATED)
    assert entry.card_type == "CPE" and entry.is_delegated and entry.on_behalf_of == martin.holder.professional

    # Modify then delete: mailed, and access ends on the very next request.
    with django_capture_on_commit_callbacks(execute=True):
        doctor.post(
            f"/delegations/{delegation.pk}/modifier/",
            {"can_consult": "on", "starts_on": TODAY().isoformat(), "ends_on": ""},
        )
    run_worker()
    assert "a modifié vos droits" in smtp_server.to("sophie.bernard@example.org")[-1].subject
    assert (
        assistant.post(f"/dossiers/{yvette.number}/volet-medical/", {"antecedents": "x", "version": 2}).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        doctor.post(f"/delegations/{delegation.pk}/supprimer/")
    run_worker()
    assert "a supprimé votre délégation" in smtp_server.to("sophie.bernard@example.org")[-1].subject
    after = assistant.get(f"/dossiers/{yvette.number}/")
    assert after.status_code == 404
    assert "Vous agissez au nom" not in text(assistant.get("/dossiers/"))
    actions = set(Entry.objects.filter(delegation=delegation).values_list("action", flat=True))
    assert {
        Action.DELEGATION_ADDED,
        Action.DELEGATION_MAILED,
        Action.DELEGATION_ACCEPTED,
        Action.DELEGATION_MODIFIED,
        Action.DELEGATION_DELETED,
    } <= actions


@pytest.mark.django_db
def test_only_the_invited_assistant_can_accept(martin, sophie, smtp_server, django_capture_on_commit_callbacks):
    from tests.factories import CardFactory, UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(login_client(martin))
    run_worker()
    url = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[0]))
    intruder = CardFactory(card_type="CPA", holder=UserFactory(first_name="Marc", last_name="PETIT"))
    response = login_client(intruder).post(url, {"accepter": "1"})
    assert response.status_code == 403 and "destinée à une autre personne" in text(response)
    assert Delegation.objects.get().state == State.PENDING
    assert Entry.objects.filter(action=Action.DELEGATION_ACCEPT_DENIED, actor=intruder.holder).exists()
    # Accents and case are ignored for the real one.
    sophie.holder.first_name, sophie.holder.last_name = "SOPHIE", "Bérnard"
    sophie.holder.save()
    assert login_client(sophie).post(url, {"accepter": "1"}).status_code == 302
    assert Delegation.objects.get().state == State.ACCEPTED


@pytest.mark.django_db
def test_refusal_shows_as_refused(martin, sophie, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(login_client(martin))
    run_worker()
    url = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[0]))
    login_client(sophie).post(url, {"refuser": "1"})
    assert Delegation.objects.get().state == State.REFUSED
    assert "Refusée" in text(login_client(martin).get("/delegations/"))


@pytest.mark.django_db
def test_resend_kills_the_old_link(martin, sophie, smtp_server, django_capture_on_commit_callbacks):
    doctor = login_client(martin)
    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(doctor)
    run_worker()
    old = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[0]))
    delegation = Delegation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        doctor.post(f"/delegations/{delegation.pk}/renvoyer/")
    run_worker()
    new = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[1]))
    assert old != new
    assistant = login_client(sophie)
    assert "remplacé par une invitation plus récente" in text(assistant.get(old))
    assert assistant.post(new, {"accepter": "1"}).status_code == 302


@pytest.mark.django_db
def test_expired_link_grants_nothing(martin, sophie, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(login_client(martin))
    run_worker()
    url = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[0]))
    Invitation.objects.update(expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    response = login_client(sophie).post(url, {"accepter": "1"})
    assert "Cette invitation a expiré le 01/01/2000 : demandez au médecin Jean MARTIN de vous la renvoyer." in text(
        response
    )
    assert Delegation.objects.get().state == State.PENDING


@pytest.mark.django_db
def test_mail_failure_is_shown_and_retried(martin, settings, django_capture_on_commit_callbacks):
    from outbox.models import Message, MessageState

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    doctor = login_client(martin)
    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(doctor)
    run_worker()
    delegation = Delegation.objects.get()
    message = Message.objects.get(ref=f"delegation:{delegation.pk}")
    assert delegation.state == State.PENDING
    assert message.state == MessageState.PENDING and message.attempts == 1 and message.last_error
    assert "Le courriel n'a pas encore pu être envoyé" in text(doctor.get("/delegations/"))


@pytest.mark.django_db
def test_colleague_story(martin, dubois, smtp_server, django_capture_on_commit_callbacks):
    PracticePlaceFactory(
        professional=dubois.holder.professional,
        commune="Villeurbanne",
        search_commune="villeurbanne",
        postal_code="69100",
        email="claire.dubois@example.org",
    )
    henri = DossierFactory(medecin_traitant=martin.holder.professional, gir=3)
    doctor = login_client(martin)
    data = {
        "can_validate": "on",
        "starts_on": TODAY().isoformat(),
        "ends_on": (TODAY() + datetime.timedelta(days=30)).isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = doctor.post(f"/delegations/medecin/ajouter/?selectionne={dubois.holder.professional.pk}", data)
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert delegation.kind == Kind.COLLEAGUE and delegation.can_validate and delegation.can_consult
    run_worker()
    url = path_of(link_in(smtp_server.to("claire.dubois@example.org")[0]))
    colleague = login_client(dubois)
    colleague.post(url, {"accepter": "1"})
    colleague.post(f"/delegations/agir/{delegation.pk}/")
    assert colleague.post(f"/dossiers/{henri.number}/valider/").status_code == 302
    henri.refresh_from_db()
    assert henri.status == Status.VALIDATED and henri.validated_by == dubois.holder
    assert (
        "Le médecin Claire DUBOIS a fait l'action « Validation du volet médical » au nom du médecin Jean MARTIN"
    ) in text(doctor.get(f"/dossiers/{henri.number}/"))


@pytest.mark.django_db
def test_colleague_needs_both_dates_and_no_self_delegation(martin):
    doctor = login_client(martin)
    own = martin.holder.professional.pk
    assert doctor.post(f"/delegations/medecin/ajouter/?selectionne={own}", {}).status_code == 404
    from tests.factories import ProfessionalFactory

    other = ProfessionalFactory()
    PracticePlaceFactory(professional=other)
    response = doctor.post(
        f"/delegations/medecin/ajouter/?selectionne={other.pk}", {"can_consult": "on", "starts_on": TODAY().isoformat()}
    )
    assert "Saisissez la date de fin." in text(response)
    assert not Delegation.objects.exists()


@pytest.mark.django_db
def test_inactive_doctor_cannot_be_selected(martin):
    from tests.factories import ProfessionalFactory

    gone = ProfessionalFactory(is_active=False)
    response = login_client(martin).post(
        f"/delegations/medecin/ajouter/?selectionne={gone.pk}",
        {"can_consult": "on", "starts_on": TODAY().isoformat(), "ends_on": TODAY().isoformat()},
    )
    assert response.status_code == 404 and not Delegation.objects.exists()


@pytest.mark.django_db
def test_one_live_delegation_per_person(martin, sophie):
    doctor = login_client(martin)
    invite_sophie(doctor)
    response = invite_sophie(doctor)
    assert "déjà en cours" in text(response)
    assert Delegation.objects.count() == 1


@pytest.mark.django_db
def test_assistant_cannot_be_given_validation(martin):
    invite_sophie(login_client(martin), can_validate="on")
    assert not Delegation.objects.filter(can_validate=True).exists()


# --- Authorization of every delegation view -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "modifier/", "supprimer/"])
def test_another_doctor_cannot_touch_my_delegations(martin, sophie, dubois, suffix):
    delegation = make_delegation(martin, sophie)
    assert login_client(dubois).get(f"/delegations/{delegation.pk}/{suffix}").status_code == 404
    assert login_client(dubois).post(f"/delegations/{delegation.pk}/{suffix}").status_code == 404
    assert login_client(martin).get(f"/delegations/{delegation.pk}/{suffix}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/delegations/", "/delegations/assistant/ajouter/", "/delegations/medecin/ajouter/", "/delegations/recues/"]
)
def test_anonymous_goes_to_login(url):
    assert Client().get(url).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/delegations/", "/delegations/assistant/ajouter/", "/delegations/medecin/ajouter/"])
def test_assistant_has_no_mes_delegations(sophie, url):
    assert login_client(sophie).get(url).status_code == 404
    assert login_client(sophie).get("/delegations/recues/").status_code == 200


@pytest.mark.django_db
def test_a_delegate_acting_for_a_doctor_cannot_delegate(martin, dubois):
    delegation = make_delegation(
        martin, dubois, kind=Kind.COLLEAGUE, rights=("consult", "edit"), ends_on=TODAY() + datetime.timedelta(days=5)
    )
    client = login_client(dubois)
    client.post(f"/delegations/agir/{delegation.pk}/")
    assert client.get("/delegations/").status_code == 404
    assert client.post("/delegations/assistant/ajouter/", {}).status_code == 404
    client.post("/delegations/agir/moi/")
    assert client.get("/delegations/").status_code == 200


@pytest.mark.django_db
def test_cannot_act_for_someone_without_delegation(martin, sophie, dubois):
    delegation = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY())
    assert login_client(sophie).post(f"/delegations/agir/{delegation.pk}/").status_code == 404


@pytest.mark.django_db
def test_expiry_needs_no_job_and_the_command_marks_and_mails(
    martin, sophie, smtp_server, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    delegation = make_delegation(
        martin, sophie, ends_on=TODAY() - datetime.timedelta(days=1), starts_on=TODAY() - datetime.timedelta(days=10)
    )
    soon = make_delegation(
        martin, CardFactory(card_type="CPA", holder=UserFactory()), ends_on=TODAY() + datetime.timedelta(days=7)
    )
    client = login_client(sophie)
    client.post(f"/delegations/agir/{delegation.pk}/")
    assert "Vous agissez au nom" not in text(client.get("/dossiers/"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_delegations")
    delegation.refresh_from_db()
    soon.refresh_from_db()
    assert delegation.state == State.EXPIRED and soon.reminder_sent_on == TODAY()
    run_worker()
    assert any("a expiré" in m.subject for m in smtp_server.to("sophie.bernard@example.org"))
    assert Entry.objects.filter(action=Action.DELEGATION_EXPIRED, delegation=delegation).exists()
    assert Entry.objects.filter(action=Action.DELEGATION_REMINDED, delegation=soon).exists()


@pytest.mark.django_db
def test_pending_invitations_are_listed_and_answerable_for_the_invited_person_only(martin, sophie):
    invite_sophie(login_client(martin))
    delegation = Delegation.objects.get()
    homonym = CardFactory(
        card_type="CPE", holder=UserFactory(first_name="Sophie", last_name="BERNARD", email="autre@example.org")
    )
    assert "Jean MARTIN" not in text(login_client(homonym).get("/delegations/recues/"))
    assert login_client(homonym).post(f"/delegations/recues/{delegation.pk}/accepter/").status_code == 404
    assistant = login_client(sophie)
    assert "Jean MARTIN" in text(assistant.get("/delegations/recues/"))
    assistant.post(f"/delegations/recues/{delegation.pk}/accepter/")
    delegation.refresh_from_db()
    assert delegation.state == State.ACCEPTED and delegation.delegate == sophie.holder


@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["abc", "-1", "99999999", "1e3"])
def test_a_bad_selection_is_ignored_not_an_error(martin, choice):
    response = login_client(martin).get("/delegations/medecin/ajouter/", {"selectionne": choice})
    assert response.status_code == 200 and "Recherchez le médecin" in text(response)


@pytest.mark.django_db
def test_a_missed_day_does_not_lose_the_reminder_and_a_new_end_date_gets_one(
    martin, sophie, smtp_server, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    delegation = make_delegation(martin, sophie, ends_on=TODAY() + datetime.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_delegations")
        call_command("expire_delegations")  # once only
    run_worker()
    assert len([m for m in smtp_server.to("sophie.bernard@example.org") if "fin prochaine" in m.subject]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        login_client(martin).post(
            f"/delegations/{delegation.pk}/modifier/",
            {
                "can_consult": "on",
                "starts_on": delegation.starts_on.isoformat(),
                "ends_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
            },
        )
        call_command("expire_delegations")
    run_worker()
    assert len([m for m in smtp_server.to("sophie.bernard@example.org") if "fin prochaine" in m.subject]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("intruder_kind", ["assistant", "doctor"])
def test_someone_else_opening_the_link_is_told_at_once_and_sees_nothing_of_the_delegation(
    martin, sophie, dubois, smtp_server, django_capture_on_commit_callbacks, intruder_kind
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(login_client(martin), ends_on=(TODAY() + datetime.timedelta(days=30)).isoformat())
    run_worker()
    delegation = Delegation.objects.get()
    url = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[0]))
    if intruder_kind == "assistant":
        intruder = CardFactory(card_type="CPA", holder=UserFactory(first_name="Marc", last_name="PETIT"))
    else:
        intruder = dubois
    response = login_client(intruder).get(url)
    page = text(response)
    assert response.status_code == 403
    assert "Cette invitation est destinée à une autre personne" in page
    assert "déconnectez-vous" in page and intruder.holder.display_name in page
    # Neither the doctor, nor the rights, nor the dates, nor a way to answer.
    assert "MARTIN" not in page.upper()
    for hidden in ["Droits accordés", "Consulter", "Modifier", "Validité", "Accepter", "Refuser"]:
        assert hidden not in page, hidden
    for day in (delegation.starts_on, delegation.ends_on):
        assert day.strftime("%d/%m/%Y") not in page
    # Journaled as an attempt to accept by someone else; the invitation stays pending and usable.
    denied = Entry.objects.filter(action=Action.DELEGATION_ACCEPT_DENIED, actor=intruder.holder, delegation=delegation)
    assert denied.count() == 1
    # A posted answer gets the same page, journaled again; nothing changes.
    response = login_client(intruder).post(url, {"accepter": "1"})
    assert response.status_code == 403 and "destinée à une autre personne" in text(response)
    assert denied.count() == 2
    assert Delegation.objects.get().state == State.PENDING
    # The invited person still sees the invitation and answers it.
    page = text(login_client(sophie).get(url))
    assert "Droits accordés" in page and "MARTIN" in page.upper() and "Accepter" in page
    assert login_client(sophie).post(url, {"accepter": "1"}).status_code == 302
    assert Delegation.objects.get().state == State.ACCEPTED


@pytest.mark.django_db
def test_the_doctor_opening_his_own_invitation_link_is_not_journaled_as_an_attempt(
    martin, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_sophie(login_client(martin))
    run_worker()
    url = path_of(link_in(smtp_server.to("sophie.bernard@example.org")[0]))
    assert login_client(martin).get(url).status_code == 403
    assert not Entry.objects.filter(action=Action.DELEGATION_ACCEPT_DENIED).exists()
