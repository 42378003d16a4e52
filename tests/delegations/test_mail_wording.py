"""What the delegations' mails say, read from the outbox as the mail worker would send them."""

import datetime

import pytest
from django.utils import timezone

from delegations import services
from journal.models import Action, Entry
from outbox.models import Message
from tests.conftest import actor_for, make_delegation

TODAY = timezone.localdate


@pytest.fixture
def invited(martin):
    return services.add_assistant(
        actor=actor_for(martin),
        first_name="Sophie",
        last_name="BERNARD",
        email="sophie.bernard@example.org",
        rights=["consult"],
        starts_on=TODAY(),
        ends_on=TODAY() + datetime.timedelta(days=30),
    )


def last_mail() -> Message:
    return Message.objects.order_by("-pk").first()


@pytest.mark.django_db
def test_the_invitation_says_until_when_its_link_is_valid(invited):
    expires = timezone.localtime(invited.invitations.get().expires_at)
    mail = last_mail()
    sentence = f"reste valable jusqu'au {expires:%d/%m/%Y à %H:%M}."
    assert sentence in mail.body_text
    assert sentence in mail.body_html
    assert "7 jours" not in mail.body_text


@pytest.mark.django_db
def test_the_modification_mail_says_rights_before_and_after(martin, invited):
    start, end = TODAY(), TODAY() + datetime.timedelta(days=30)
    services.modify_delegation(
        actor=actor_for(martin), delegation_id=invited.pk, rights=["consult", "edit"], starts_on=start, ends_on=end
    )
    text = last_mail().body_text
    assert "Droits : Consulter les dossiers → Consulter les dossiers, Modifier les dossiers\n" in text
    assert f"Validité (sans changement) : du {start:%d/%m/%Y} au {end:%d/%m/%Y}\n" in text
    assert "Avant" not in text and "Désormais" not in text
    assert "/delegations/recues/" in text or "/delegations/" in text


@pytest.mark.django_db
def test_the_modification_mail_says_new_dates(martin, invited):
    start, end = TODAY(), TODAY() + datetime.timedelta(days=30)
    services.modify_delegation(
        actor=actor_for(martin), delegation_id=invited.pk, rights=["consult"], starts_on=start, ends_on=None
    )
    text = last_mail().body_text
    assert "Droits (sans changement) : Consulter les dossiers\n" in text
    assert f"Validité : du {start:%d/%m/%Y} au {end:%d/%m/%Y} → du {start:%d/%m/%Y}, sans date de fin\n" in text


@pytest.mark.django_db
def test_the_journal_says_the_invitation_mail_was_sent_in_plain_words(invited):
    entry = Entry.objects.get(action=Action.DELEGATION_MAILED)
    assert entry.action_label == "Envoi du courriel d'invitation"
    assert entry.sentence.startswith("Le médecin Jean MARTIN a fait l'action « Envoi du courriel d'invitation »")


@pytest.mark.django_db
def test_an_invitation_never_accepted_is_withdrawn_not_a_delegation_deleted(martin, invited):
    services.delete_delegation(actor=actor_for(martin), delegation_id=invited.pk)
    mail = last_mail()
    assert mail.subject == "Délégation de droits : le médecin Jean MARTIN a retiré son invitation"
    assert "a retiré l'invitation à gérer ses dossiers qu'il vous avait envoyée" in mail.body_text
    assert "votre délégation" not in mail.body_text and "supprimé" not in mail.body_text


@pytest.mark.django_db
def test_an_accepted_delegation_deleted_says_so(martin, sophie):
    delegation = make_delegation(martin, sophie)
    services.delete_delegation(actor=actor_for(martin), delegation_id=delegation.pk)
    assert last_mail().subject == "Délégation de droits : le médecin Jean MARTIN a supprimé votre délégation"
