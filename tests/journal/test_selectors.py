"""The journal's selectors read newest first by date, then by entry for the same instant (a page never shuffles),
and each reads only what it names."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from journal.models import Action, ActorRole
from journal.selectors import delegation_history, dossier_history, entries_in_name_of, recent_logins
from tests.factories import DelegationFactory, DoctorUserFactory, DossierFactory, EntryFactory, UserFactory

LATER = timezone.now()
EARLIER = LATER - datetime.timedelta(hours=1)


def at(moment, **fields):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return EntryFactory(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize("selector", ["dossier", "delegation", "logins", "in_name_of"])
def test_newest_first_by_date_then_by_entry(selector):
    doctor = DoctorUserFactory()
    assistant = UserFactory()
    dossier = DossierFactory(medecin_traitant=doctor.professional)
    delegation = DelegationFactory(doctor=doctor.professional)
    fields = {
        "dossier": {"doctor": doctor, "action": Action.DOSSIER_VIEWED, "dossier": dossier},
        "delegation": {"doctor": doctor, "action": Action.DELEGATION_ADDED, "delegation": delegation},
        "logins": {"doctor": doctor},
        "in_name_of": {
            "doctor": doctor,
            "action": Action.DOSSIER_VIEWED,
            "actor_user": assistant,
            "actor_role": ActorRole.ASSISTANT,
            "on_behalf_of": doctor.professional,
            "is_delegated": True,
        },
    }[selector]
    # Written in this order, the latest one first: the date decides, not the order of writing.
    latest, first_of_two, second_of_two = at(LATER, **fields), at(EARLIER, **fields), at(EARLIER, **fields)
    read = {
        "dossier": lambda: dossier_history(dossier.pk),
        "delegation": lambda: delegation_history(delegation.pk),
        "logins": lambda: recent_logins(doctor.pk),
        "in_name_of": lambda: entries_in_name_of(doctor.professional.pk, doctor.pk),
    }[selector]
    assert list(read()) == [latest, second_of_two, first_of_two]


@pytest.mark.django_db
def test_recent_logins_are_logins_only_ten_by_default():
    doctor = DoctorUserFactory()
    dossier = DossierFactory(medecin_traitant=doctor.professional)
    logins = [EntryFactory(doctor=doctor) for _ in range(11)]
    refused = EntryFactory(doctor=doctor, action=Action.LOGIN_FAILED)
    EntryFactory(doctor=doctor, action=Action.DOSSIER_VIEWED, dossier=dossier)
    assert list(recent_logins(doctor.pk)) == [refused, *reversed(logins[-9:])]
    assert len(recent_logins(doctor.pk, limit=20)) == 12
