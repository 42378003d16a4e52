"""The invariants the code assumes of a dossier are held by the database too, and the status transitions are one
table read by both the buttons' `can_*` helpers and the services."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from delegations.policy import DossierAction
from dossiers import services
from dossiers.models import TRANSITIONS, Dossier, Status
from tests.conftest import actor_for
from tests.factories import DossierFactory, UserFactory


def _refused(dossier, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize("gir", [0, 7])
def test_gir_from_1_to_6(gir):
    dossier = DossierFactory()
    _refused(dossier, gir=gir)
    Dossier.objects.filter(pk=dossier.pk).update(gir=6)


@pytest.mark.django_db
def test_validated_by_and_at_together():
    dossier = DossierFactory(status=Status.ARCHIVED)
    _refused(dossier, validated_by=UserFactory())
    _refused(dossier, validated_at=timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.VALIDATED, Status.SENT])
def test_a_validated_or_sent_volet_is_signed(status):
    dossier = DossierFactory(status=status)
    _refused(dossier, validated_by=None, validated_at=None)


@pytest.mark.django_db
def test_a_volet_in_progress_is_not_signed():
    dossier = DossierFactory(status=Status.VALIDATED)
    _refused(dossier, status=Status.IN_PROGRESS)
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.IN_PROGRESS, validated_by=None, validated_at=None)


SERVICES = {
    DossierAction.VALIDATE_MEDICAL: lambda actor, d: services.validate_medical(actor=actor, dossier=d),
    DossierAction.SEND: lambda actor, d: services.send_dossier(actor=actor, dossier=d),
    DossierAction.ARCHIVE: lambda actor, d: services.archive_dossier(actor=actor, dossier=d),
    DossierAction.EDIT_MEDICAL: lambda actor, d: services.update_medical(
        actor=actor, dossier=d, data={**d.medical_values(), "commentaire": "Vu."}, expected_version=d.version
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(SERVICES))
def test_the_services_do_exactly_what_the_buttons_offer(doctor_card, status, action):
    dossier = DossierFactory(medecin_traitant=doctor_card.holder.professional, status=status, gir=3)
    offered = dossier.allows(action)
    try:
        SERVICES[action](actor_for(doctor_card), dossier)
    except services.DossierError:
        done = False
    else:
        done = True
    assert done is offered
    if done:
        assert Dossier.objects.get(pk=dossier.pk).status == TRANSITIONS[action].target
