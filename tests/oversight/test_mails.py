"""Mails to the doctor about what was done in his name (through the outbox), and « Mes préférences »."""

import io

import pytest
from django.core.management import call_command

from delegations import services as delegation_services
from delegations.models import Kind, State
from dossiers import services as dossier_services
from journal.models import Action
from outbox.models import Message
from oversight.models import Preferences
from tests.conftest import actor_for, login_client
from tests.factories import CardFactory, DelegationFactory, PracticePlaceFactory

from .conftest import acting, edit, last_entry

PREFERENCES = "/actions-en-mon-nom/preferences/"


@pytest.fixture
def colleague(people):
    """Dr DUBOIS, colleague of Dr MARTIN with the right to validate; Dr MARTIN's practice has an address."""
    PracticePlaceFactory(professional=people["martin"].holder.professional, email="cabinet.martin@example.org")
    card = CardFactory(
        card_type="CPS", holder__professional__first_name="Claire", holder__professional__last_name="DUBOIS"
    )
    DelegationFactory(
        doctor=people["martin"].holder.professional,
        colleague_doctor=True,
        colleague=card.holder.professional,
        delegate=card.holder,
        can_edit=True,
        can_validate=True,
    )
    return card


def _validate(people, colleague):
    actor = acting(colleague, people["martin"])
    edit(actor, people["alice"], gir=3)
    people["alice"].refresh_from_db()
    dossier_services.validate_medical(actor=actor, dossier=people["alice"])


def test_a_colleague_validating_in_his_name_mails_him_with_the_link(people, colleague, settings):
    settings.SITE_URL = "https://medecins.example.org"
    _validate(people, colleague)
    [mail] = Message.objects.filter(ref=f"dossier:{people['alice'].pk}")
    assert mail.to == "cabinet.martin@example.org"
    assert mail.subject == "Volet médical validé en votre nom par le médecin Claire DUBOIS"
    assert f"https://medecins.example.org/dossiers/{people['alice'].number}/" in mail.body_text
    assert people["alice"].patient.birth_name.lower() not in mail.body_text.lower()  # no patient's name in a mail


def test_his_own_validation_mails_nobody_and_he_can_turn_it_off(people, colleague):
    martin = people["martin"]
    edit(actor_for(martin), people["bruno"], gir=2)
    people["bruno"].refresh_from_db()
    dossier_services.validate_medical(actor=actor_for(martin), dossier=people["bruno"])
    assert not Message.objects.filter(ref__startswith="dossier:").exists()
    # « Mes préférences »: the validation mail is on by default; off, nothing is sent; the change is journaled.
    client = login_client(martin)
    page = client.get(PREFERENCES).content.decode()
    assert 'name="mail_on_validation"' in page and "checked" in page.split('name="mail_on_validation"')[1][:200]
    response = client.post(PREFERENCES, {"mail_on_answer": "on"})
    assert response.status_code == 302
    entry = last_entry()
    assert entry.action == Action.PREFERENCES_CHANGED and entry.changes[0]["new"] == "non"
    _validate(people, colleague)
    assert not Message.objects.filter(ref__startswith="dossier:").exists()


def test_an_answer_to_his_invitation_mails_him(people):
    martin = people["martin"]
    PracticePlaceFactory(professional=martin.holder.professional, email="cabinet.martin@example.org")
    sophie = people["sophie"]
    delegation = DelegationFactory(
        doctor=martin.holder.professional,
        pending=True,
        kind=Kind.ASSISTANT,
        invited_first_name=sophie.holder.first_name,
        invited_last_name=sophie.holder.last_name,
        invited_email=sophie.holder.email,
    )
    # Sophie's accepted delegation of the fixture: another one may not be live at the same time.
    type(delegation).objects.filter(delegate=sophie.holder).update(state=State.DELETED)
    delegation_services._new_invitation(delegation)
    delegation_services.refuse_delegation(actor=actor_for(sophie), delegation_id=delegation.pk)
    [mail] = Message.objects.filter(to="cabinet.martin@example.org")
    assert mail.subject == "Délégation de droits : Sophie BERNARD a refusé votre délégation"


def test_the_weekly_summary_goes_once_a_week_to_who_asked(people):
    martin = people["martin"]
    PracticePlaceFactory(professional=martin.holder.professional, email="cabinet.martin@example.org")
    edit(acting(people["sophie"], martin), people["alice"], gir=3)
    call_command("send_weekly_summaries", stdout=io.StringIO())
    assert not Message.objects.filter(ref="oversight-weekly").exists()  # off by default
    Preferences.objects.update_or_create(user=martin.holder, defaults={"weekly_summary": True})
    call_command("send_weekly_summaries", stdout=io.StringIO())
    call_command("send_weekly_summaries", stdout=io.StringIO())
    [mail] = Message.objects.filter(ref="oversight-weekly")
    assert "Sophie BERNARD : 1 modification sur 1 dossier" in mail.body_text


def test_a_delegate_has_no_preferences_page(people):
    assert login_client(people["sophie"], acting_for=people["martin"]).get(PREFERENCES).status_code == 404
