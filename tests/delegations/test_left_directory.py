"""A professional who leaves the national directory leaves the platform (struck off, retired, deceased).

The story, through real imports: an import without Dr DUBOIS marks him inactive; he can no longer log in,
his session in progress ends, he acts for nobody, his delegation from Dr MARTIN is « Suspendue » (journaled, mail
to Dr MARTIN), Dr MARTIN can neither modify nor extend it, nor invite him again while he is inactive; a later
import with Dr DUBOIS present brings nothing back by itself.
"""

import datetime
import html
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.actor import SESSION_ACTING_FOR
from accounts.services import INACTIVE_IN_DIRECTORY
from delegations import services
from delegations.authz import DossierAction, Reason, decide, may_manage_delegations
from delegations.models import Kind, State
from delegations.services import DelegationError
from directory.importer import import_extract
from directory.models import Professional
from dossiers.models import Status
from journal.models import Action, Entry
from outbox.models import Message
from tests.conftest import actor_for, delegate_actor, login_client, make_delegation
from tests.directory.helpers import person, write_extract
from tests.factories import PIN, CardFactory, DoctorUserFactory, DossierFactory, ProfessionalFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
MARTIN = person("99700001011", "MARTIN", "Jean", email="jean.martin@example.org")
DUBOIS = person("99700001029", "DUBOIS", "Claire", email="claire.dubois@example.org")
LEROY = person("99700001037", "LEROY", "Paul")


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def run_import(tmp_path, rows, callbacks):
    """An import of these people, its after-commit work (the signal) run as in production."""
    path = write_extract(tmp_path / f"extract-{len(list(tmp_path.iterdir()))}.txt", rows)
    with callbacks(execute=True):
        return import_extract(path)


def card_of(row) -> object:
    professional = Professional.objects.get(national_id=f"8{row['identifier']}")
    holder = DoctorUserFactory(professional=professional, email=row["email"] or "x@example.org")
    return CardFactory(card_type="CPS", holder=holder)


@pytest.fixture
def story(tmp_path, django_capture_on_commit_callbacks):
    """Dr MARTIN and Dr DUBOIS from a first import; Dr MARTIN delegated validation to Dr DUBOIS, who acts for him."""
    run_import(tmp_path, [MARTIN, DUBOIS, LEROY], django_capture_on_commit_callbacks)
    martin, dubois = card_of(MARTIN), card_of(DUBOIS)
    delegation = make_delegation(
        martin,
        dubois,
        kind=Kind.COLLEAGUE,
        rights=("consult", "edit", "validate"),
        ends_on=TODAY() + 30 * DAY,
    )
    dossier = DossierFactory(medecin_traitant=martin.holder.professional, status=Status.IN_PROGRESS, gir=3)
    session = login_client(dubois)
    acting = session.session
    acting[SESSION_ACTING_FOR] = martin.holder.professional.pk
    acting.save()
    return {
        "martin": martin,
        "dubois": dubois,
        "delegation": delegation,
        "dossier": dossier,
        "dubois_session": session,
        "import": lambda rows: run_import(tmp_path, rows, django_capture_on_commit_callbacks),
    }


def test_a_colleague_left_out_of_an_import_loses_his_delegation_and_his_session(story, settings):
    settings.DEMO = True
    martin, dubois, delegation, dossier = story["martin"], story["dubois"], story["delegation"], story["dossier"]
    session = story["dubois_session"]
    # Before: Dr DUBOIS acts for Dr MARTIN, validation included.
    assert session.get(f"/dossiers/{dossier.number}/").status_code == 200

    stats = story["import"]([MARTIN, LEROY])
    assert stats["deactivated"] == 1

    # His delegation is suspended at once, with the reason, journaled, and Dr MARTIN is told by mail.
    delegation.refresh_from_db()
    assert delegation.state == State.SUSPENDED and delegation.get_state_display() == "Suspendue"
    assert "Claire DUBOIS n'est plus inscrit(e) à l'annuaire national" in delegation.suspension_reason
    entry = Entry.objects.get(action=Action.DELEGATION_SUSPENDED, delegation=delegation)
    assert entry.detail == delegation.suspension_reason and entry.on_behalf_of == martin.holder.professional
    mail = Message.objects.get(ref=f"delegation:{delegation.pk}", to="jean.martin@example.org")
    assert "est suspendue" in mail.subject and "Claire DUBOIS" in mail.body_text

    # His session in progress ends at his next request, with the reason; he validates nothing.
    response = session.post(f"/dossiers/{dossier.number}/valider/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert INACTIVE_IN_DIRECTORY in text(session.get(response["Location"]))
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS
    assert Entry.objects.filter(action=Action.LOGOUT, actor=dubois.holder, detail__contains="annuaire").exists()

    # He cannot log in again with his card (right PIN): the reason is said, the refusal journaled.
    client = Client()
    response = client.post("/connexion/demo/", {"card": dubois.pk, "pin": PIN})
    assert response.status_code == 200 and INACTIVE_IN_DIRECTORY in text(response)
    assert "_auth_user_id" not in client.session
    assert Entry.objects.filter(action=Action.LOGIN_FAILED, actor=dubois.holder, detail__contains="annuaire").exists()

    # Dr MARTIN sees it « Suspendue » with its reason, and can neither modify nor extend it.
    doctor = login_client(martin)
    page = text(doctor.get("/delegations/"))
    assert "Suspendue" in page and "Claire DUBOIS n'est plus inscrit(e)" in page
    assert "La plateforme a fait l'action « Suspension de la délégation »" in text(
        doctor.get(f"/delegations/{delegation.pk}/")
    )
    extend = {"can_consult": "on", "starts_on": TODAY().isoformat(), "ends_on": (TODAY() + 90 * DAY).isoformat()}
    response = doctor.post(f"/delegations/{delegation.pk}/modifier/", extend, follow=True)
    assert "ne peut plus être modifiée ni prolongée" in text(response)
    with pytest.raises(DelegationError, match="suspendue"):
        services.modify_delegation(
            actor=actor_for(martin), delegation_id=delegation.pk, rights=["consult"], starts_on=TODAY(), ends_on=None
        )
    delegation.refresh_from_db()
    assert delegation.ends_on == TODAY() + 30 * DAY

    # Nor invite him again while he is inactive.
    gone = dubois.holder.professional
    new = {**extend, "ends_on": (TODAY() + 10 * DAY).isoformat()}
    assert doctor.post(f"/delegations/medecin/ajouter/?selectionne={gone.pk}", new).status_code == 404
    with pytest.raises(DelegationError):
        services.add_colleague(
            actor=actor_for(martin),
            colleague=gone,
            email="c@example.org",
            rights=["consult"],
            starts_on=TODAY(),
            ends_on=TODAY() + DAY,
        )

    # He is back in a later import: nothing comes back by itself.
    story["import"]([MARTIN, DUBOIS, LEROY])
    gone.refresh_from_db()
    assert gone.is_active
    delegation.refresh_from_db()
    assert delegation.state == State.SUSPENDED
    acting = delegate_actor(dubois, martin)
    assert not decide(acting, DossierAction.VIEW)
    # The doctor invites him again: a new delegation, the suspended one kept in the history.
    fresh = services.add_colleague(
        actor=actor_for(martin),
        colleague=gone,
        email="claire.dubois@example.org",
        rights=["consult"],
        starts_on=TODAY(),
        ends_on=TODAY() + 10 * DAY,
    )
    assert fresh.pk != delegation.pk and fresh.state == State.PENDING


def test_decide_refuses_at_once_before_any_suspension(martin, dubois, sophie):
    """Defence in depth: the directory flag alone refuses, even if no suspension was written yet."""
    to_dubois = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, rights=("validate",), ends_on=TODAY() + DAY)
    make_delegation(martin, sophie, rights=("consult", "edit"))
    assert decide(delegate_actor(dubois, martin), DossierAction.VALIDATE_MEDICAL)
    assert decide(delegate_actor(sophie, martin), DossierAction.VIEW)
    assert decide(actor_for(dubois), DossierAction.VIEW) and may_manage_delegations(actor_for(dubois))

    Professional.objects.filter(pk=dubois.holder.professional.pk).update(is_active=False)
    dubois.holder.professional.refresh_from_db()
    refused = decide(delegate_actor(dubois, martin), DossierAction.VALIDATE_MEDICAL)
    assert not refused and refused.reason == Reason.LEFT_DIRECTORY
    # An inactive doctor has no space of his own either.
    assert decide(actor_for(dubois), DossierAction.VIEW).reason == Reason.LEFT_DIRECTORY
    assert may_manage_delegations(actor_for(dubois)).reason == Reason.LEFT_DIRECTORY
    to_dubois.refresh_from_db()
    assert to_dubois.state == State.ACCEPTED  # nothing written: decide() alone refused

    # The delegating doctor leaves: nobody acts for him, and he has no space.
    Professional.objects.filter(pk=martin.holder.professional.pk).update(is_active=False)
    martin.holder.professional.refresh_from_db()
    assert not decide(delegate_actor(sophie, martin), DossierAction.VIEW)
    assert decide(actor_for(martin), DossierAction.VIEW).reason == Reason.LEFT_DIRECTORY
    assert may_manage_delegations(actor_for(martin)).reason == Reason.LEFT_DIRECTORY


def test_decide_checks_the_delegating_doctor_it_decides_on(martin, sophie):
    """The query of the delegation in force asks for an active doctor; decide() checks again on the delegation it
    decides on (memoised for the request), so that it alone refuses a doctor who left."""
    make_delegation(martin, sophie, rights=("consult",))
    actor = delegate_actor(sophie, martin)
    assert decide(actor, DossierAction.VIEW)  # the delegation is now memoised on the actor
    [delegation] = [found for key, found in actor.cache.items() if key[0] == "delegation"]
    delegation.doctor.is_active = False
    refused = decide(actor, DossierAction.VIEW)
    assert not refused and refused.reason == Reason.LEFT_DIRECTORY


def test_a_live_delegation_to_an_inactive_person_cannot_be_modified_nor_resent_before_the_sweep(martin, dubois):
    accepted = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY() + DAY)
    Professional.objects.filter(pk=dubois.holder.professional.pk).update(is_active=False)
    with pytest.raises(DelegationError, match="n'est plus inscrit"):
        services.modify_delegation(
            actor=actor_for(martin),
            delegation_id=accepted.pk,
            rights=["consult"],
            starts_on=TODAY(),
            ends_on=TODAY() + 60 * DAY,
        )
    accepted.state, accepted.delegate = State.PENDING, None
    accepted.save()
    with pytest.raises(DelegationError, match="n'est plus inscrit"):
        services.resend_invitation(actor=actor_for(martin), delegation_id=accepted.pk)
    assert not Entry.objects.filter(action__in=[Action.DELEGATION_MODIFIED, Action.DELEGATION_RESENT]).exists()


def test_a_doctor_who_leaves_suspends_what_he_gave_and_the_delegate_is_told(martin, sophie):
    given = make_delegation(martin, sophie, rights=("consult",))
    Professional.objects.filter(pk=martin.holder.professional.pk).update(is_active=False)
    assert services.suspend_for_inactive_professionals() == 1
    given.refresh_from_db()
    assert given.state == State.SUSPENDED and "Le médecin Jean MARTIN n'est plus inscrit" in given.suspension_reason
    mail = Message.objects.get(ref=f"delegation:{given.pk}")
    assert mail.to == sophie.holder.email and "Jean MARTIN" in mail.body_text
    # Shown on the delegate's side too, with the reason.
    page = text(login_client(sophie).get("/delegations/recues/"))
    assert "Suspendue" in page and "Jean MARTIN n'est plus inscrit" in page
    # Once: a second sweep finds nothing more.
    assert services.suspend_for_inactive_professionals() == 0


def test_a_pending_invitation_to_a_person_who_left_is_suspended_and_its_link_dead(martin, dubois):
    pending = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, state=State.PENDING, ends_on=TODAY() + DAY)
    token, _ = services._new_invitation(pending)
    Professional.objects.filter(pk=dubois.holder.professional.pk).update(is_active=False)
    services.suspend_for_inactive_professionals()
    pending.refresh_from_db()
    assert pending.state == State.SUSPENDED and not pending.invitations.usable().exists()
    # Anyone else following the link (the invitee cannot log in) is told it is meant for someone else, and reads
    # nothing of it: not the reason, which names the person who left, nor the doctor.
    # Named: the page names the stranger, and a generated name may contain MARTIN (« Martine »).
    stranger = CardFactory(holder__first_name="Paul", holder__last_name="LEROY")
    response = login_client(stranger).get(f"/delegations/invitation/{token}/")
    page = text(response)
    assert response.status_code == 403 and "destinée à une autre personne" in page
    # The page's own content, without the header.
    main = html.unescape(re.sub(r"<[^>]+>", "", response.content.decode().split("<main")[1].split("</main>")[0]))
    assert "suspendue" not in main.lower() and "DUBOIS" not in main.upper() and "MARTIN" not in main.upper()


def test_the_daily_command_catches_up_without_the_signal(martin, dubois):
    """Deactivated without the import's signal (lost, or by hand): expire_delegations suspends all the same."""
    accepted = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY() + DAY)
    Professional.objects.filter(pk=dubois.holder.professional.pk).update(is_active=False)
    out = io.StringIO()
    call_command("expire_delegations", stdout=out)
    accepted.refresh_from_db()
    assert accepted.state == State.SUSPENDED and "1 suspendue(s)" in out.getvalue()


def test_an_assistant_tied_to_an_inactive_directory_entry_cannot_accept(martin):
    # A card holder invited as an assistant, whose card is tied to a directory entry that became inactive.
    gone = ProfessionalFactory(first_name="Lise", last_name="Petit", is_active=False)
    holder = UserFactory(first_name="Lise", last_name="Petit", email="lise@example.org", professional=gone)
    assistant = CardFactory(card_type="CPE", holder=holder)
    pending = make_delegation(martin, assistant, state=State.PENDING, starts_on=TODAY())
    token, _ = services._new_invitation(pending)
    with pytest.raises(DelegationError, match="n'est plus active"):
        services.accept_delegation(actor=actor_for(assistant), delegation_id=pending.pk, token=token)
    pending.refresh_from_db()
    assert pending.state == State.PENDING


def test_a_failing_suspension_does_not_undo_the_import_and_the_daily_command_finishes_it(
    tmp_path, django_capture_on_commit_callbacks, monkeypatch, martin, dubois, caplog
):
    """The import is committed whatever its receivers do; what a failed one left, the daily catch-up does."""
    accepted = make_delegation(martin, dubois, kind=Kind.COLLEAGUE, ends_on=TODAY() + DAY)

    def broken(**kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(services, "suspend_for_inactive_professionals", broken)
    stats = run_import(tmp_path, [MARTIN], django_capture_on_commit_callbacks)
    assert stats["deactivated"] == 2  # the two people the factories made are not in the file
    assert "a échoué" in caplog.text
    accepted.refresh_from_db()
    assert accepted.state == State.ACCEPTED and not Professional.objects.get(pk=dubois.holder.professional.pk).is_active
    # decide() already refuses; the daily command writes the suspension.
    assert not decide(delegate_actor(dubois, martin), DossierAction.VIEW)
    monkeypatch.undo()
    call_command("expire_delegations", stdout=io.StringIO())
    accepted.refresh_from_db()
    assert accepted.state == State.SUSPENDED
