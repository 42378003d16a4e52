"""A delegation withdrawn while the delegate types: a French page with what he sent, nothing saved, nothing shown
of the dossier (dossiers.views._not_saved, delegations.authz.withdrawal)."""

import datetime
import html

import pytest
from django.utils import timezone

from delegations import services as delegation_services
from dossiers.models import Status
from journal.models import Action, Entry
from tests.conftest import actor_for, login_client
from tests.factories import CardFactory, DelegationFactory, DossierFactory

TYPED = {"antecedents": "Ma saisie à ne pas perdre\nsur deux lignes", "gir": "3", "commentaire": ""}


@pytest.fixture
def setup(doctor_card, assistant_card):
    """Dr MARTIN's dossier, his assistant acting for him with « Modifier les dossiers », her page drawn."""
    doctor = doctor_card.holder.professional
    dossier = DossierFactory(medecin_traitant=doctor, antecedents="Ce que le dossier contient déjà")
    delegation = DelegationFactory(doctor=doctor, delegate=assistant_card.holder, can_edit=True)
    client = login_client(assistant_card)
    assert client.post(f"/delegations/agir/{delegation.pk}/").status_code == 302
    page = client.get(f"/dossiers/{dossier.number}/").content.decode()
    assert f'name="drawn_for" value="{doctor.pk}"' in page  # the page says whom it was drawn for
    return doctor_card, dossier, delegation, client


def send(client, dossier, drawn_for, **extra):
    data = {**TYPED, "version": dossier.version, "drawn_for": drawn_for, **extra}
    return client.post(f"/dossiers/{dossier.number}/volet-medical/", data)


def assert_not_saved(response, dossier, says):
    assert response.status_code == 403
    page = html.unescape(response.content.decode())
    assert "Rien n'a été enregistré" in page and says in page
    # What he typed, read-only, to copy; nothing of the dossier (not even the patient's name).
    assert "Ma saisie à ne pas perdre\nsur deux lignes</textarea>" in page and "readonly" in page
    assert "GIR 3" in page
    assert "Ce que le dossier contient déjà" not in page and dossier.patient.birth_name not in page
    dossier.refresh_from_db()
    assert dossier.antecedents == "Ce que le dossier contient déjà" and dossier.gir is None
    assert not Entry.objects.filter(dossier=dossier, action=Action.MEDICAL_UPDATED).exists()
    return page


@pytest.mark.django_db
def test_deleted_while_typing(setup):
    doctor_card, dossier, delegation, client = setup
    delegation_services.delete_delegation(actor=actor_for(doctor_card), delegation_id=delegation.pk)
    delegation.refresh_from_db()
    when = timezone.localtime(delegation.deleted_at).strftime("le %d/%m/%Y à %H:%M")
    page = assert_not_saved(send(client, dossier, doctor_card.holder.professional.pk), dossier, f"a pris fin {when}")
    assert f"Votre délégation du médecin {doctor_card.holder.professional.display_name}" in page


@pytest.mark.django_db
def test_expired_while_typing(setup):
    doctor_card, dossier, delegation, client = setup
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    type(delegation).objects.filter(pk=delegation.pk).update(starts_on=yesterday, ends_on=yesterday)
    assert_not_saved(
        send(client, dossier, doctor_card.holder.professional.pk),
        dossier,
        f"a expiré : elle était valable jusqu'au {yesterday:%d/%m/%Y} inclus",
    )


@pytest.mark.django_db
def test_right_removed_while_typing(setup):
    doctor_card, dossier, delegation, client = setup
    delegation_services.modify_delegation(
        actor=actor_for(doctor_card),
        delegation_id=delegation.pk,
        rights=["consult"],
        starts_on=delegation.starts_on,
        ends_on=None,
    )
    assert_not_saved(
        send(client, dossier, doctor_card.holder.professional.pk),
        dossier,
        "ne comprend plus le droit « Modifier les dossiers »",
    )


@pytest.mark.django_db
def test_a_form_not_drawn_for_the_doctor_is_a_plain_404(setup):
    """No page drawn under the delegation (a forged or replayed request): refused as before, told nothing."""
    doctor_card, dossier, delegation, client = setup
    delegation_services.delete_delegation(actor=actor_for(doctor_card), delegation_id=delegation.pk)
    assert send(client, dossier, "").status_code == 404
    assert send(client, dossier, str(CardFactory(card_type="CPS").holder.professional.pk)).status_code == 404


@pytest.mark.django_db
def test_still_in_force_saves_as_before(setup):
    doctor_card, dossier, delegation, client = setup
    assert send(client, dossier, doctor_card.holder.professional.pk).status_code == 302
    dossier.refresh_from_db()
    assert dossier.gir == 3


@pytest.mark.django_db
def test_a_colleague_back_in_his_own_space_saves_nothing_there(doctor_card):
    """Dr DUBOIS, a médecin: once the delegation ended, his own space would answer; what he typed for Dr MARTIN
    must neither be saved for him nor lost, and a dossier he types for Dr MARTIN must not land in his own space."""
    doctor = doctor_card.holder.professional
    delegation = DelegationFactory(doctor=doctor, colleague_doctor=True, can_edit=True, can_create=True)
    dossier = DossierFactory(medecin_traitant=doctor, antecedents="Ce que le dossier contient déjà")
    client = login_client(CardFactory(card_type="CPS", holder=delegation.delegate))
    client.post(f"/delegations/agir/{delegation.pk}/")
    delegation_services.delete_delegation(actor=actor_for(doctor_card), delegation_id=delegation.pk)
    assert_not_saved(send(client, dossier, doctor.pk), dossier, "a pris fin")
    client.post(f"/delegations/agir/{delegation.pk}/")  # refused now: he is in his own space
    patient = {"dossier_type": "EHPAD", "birth_name": "Nouveau", "first_name": "Paul", "birth_date": "1940-01-02"}
    response = client.post("/dossiers/nouveau/", {**patient, "sex": "M", "drawn_for": doctor.pk})
    assert response.status_code == 403 and "Nouveau" in response.content.decode()
    assert not type(dossier).objects.filter(patient__birth_name="Nouveau").exists()


@pytest.mark.django_db
def test_validating_after_the_delegation_ended_signs_nothing(doctor_card):
    doctor = doctor_card.holder.professional
    delegation = DelegationFactory(doctor=doctor, colleague_doctor=True, can_edit=True, can_validate=True)
    dossier = DossierFactory(medecin_traitant=doctor, gir=2)
    colleague = CardFactory(card_type="CPS", holder=delegation.delegate)
    client = login_client(colleague)
    client.post(f"/delegations/agir/{delegation.pk}/")
    page = html.unescape(client.get(f"/dossiers/{dossier.number}/valider/").content.decode())
    assert f"Vous allez valider au nom du médecin {doctor.display_name}" in page
    delegation_services.delete_delegation(actor=actor_for(doctor_card), delegation_id=delegation.pk)
    response = client.post(f"/dossiers/{dossier.number}/valider/", {"version": dossier.version, "drawn_for": doctor.pk})
    assert response.status_code == 403 and "Rien n'a été enregistré" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS and dossier.validated_by is None
