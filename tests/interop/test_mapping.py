"""The journal in FHIR R4: every resource validated by an independent library (fhir.resources), « on behalf of »
the right way round."""

import copy

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.provenance import Provenance
from pydantic import ValidationError

from interop import fhir
from interop.export import bundle
from journal.models import Action, Entry

MODELS = {"AuditEvent": AuditEvent, "Provenance": Provenance}


def resources_of(entries):
    return [resource for entry in fhir.loaded(entries) for resource in fhir.to_resources(entry)]


def validate(resource):
    return MODELS[resource["resourceType"]].model_validate(resource)


def test_every_action_has_its_event():
    assert set(fhir.EVENTS) == set(Action)


def test_every_resource_of_a_full_journal_is_valid_fhir(full_journal):
    resources = resources_of(full_journal)
    assert len([r for r in resources if r["resourceType"] == "AuditEvent"]) == full_journal.count()
    # A Provenance for each dossier change made in the doctor's name: 5 changes × (assistant, colleague).
    assert len([r for r in resources if r["resourceType"] == "Provenance"]) == 5 * 2
    for resource in resources:
        validate(resource)


def _paths_required(resource_type):
    if resource_type == "AuditEvent":
        return [("type",), ("recorded",), ("agent",), ("source",), ("agent", 0, "requestor"), ("source", "observer")]
    return [("target",), ("recorded",), ("agent",), ("agent", 0, "who")]


@pytest.mark.parametrize("resource_type", ["AuditEvent", "Provenance"])
def test_a_missing_required_element_fails_validation(full_journal, resource_type):
    resource = next(r for r in resources_of(full_journal) if r["resourceType"] == resource_type)
    for path in _paths_required(resource_type):
        broken = copy.deepcopy(resource)
        parent = broken
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
        with pytest.raises(ValidationError):
            validate(broken)


def test_an_unknown_element_fails_validation(full_journal):
    resource = resources_of(full_journal)[0]
    validate(resource)
    with pytest.raises(ValidationError):
        validate({**resource, "recorded_at": resource["recorded"]})


def _identifier(reference):
    return (reference["identifier"]["system"], reference["identifier"]["value"])


def _doctor(people):
    return (fhir.IDNPS_SYSTEM, people.doctor.professional.national_id)


@pytest.mark.parametrize("who", ["assistant", "colleague"])
def test_a_delegated_action_names_the_delegate_as_requestor_and_the_doctor_as_principal(people, who):
    fields, card = (people.actors()[1][1], "CPE") if who == "assistant" else (people.actors()[2][1], "CPS")
    entry = people.write(Action.MEDICAL_UPDATED, fields, True)
    event, provenance = fhir.to_resources(fhir.loaded(Entry.objects).get(pk=entry.pk))
    delegate = getattr(people, who)
    delegate_identifier = (
        (fhir.IDNPS_SYSTEM, delegate.professional.national_id)
        if delegate.professional
        else (fhir.system("utilisateur"), str(delegate.pk))
    )

    requestors = [agent for agent in event["agent"] if agent["requestor"]]
    assert len(requestors) == 1
    (requestor,) = requestors
    assert _identifier(requestor["who"]) == delegate_identifier != _doctor(people)
    assert requestor["who"]["display"] == delegate.display_name
    assert requestor["type"]["coding"][0]["code"] == card
    assert requestor["role"][0]["coding"][0]["code"] == "AGNT"
    (on_behalf,) = requestor["extension"]
    assert on_behalf["url"] == fhir.ON_BEHALF_OF_EXTENSION
    assert _identifier(on_behalf["valueReference"]) == _doctor(people)

    (principal,) = [agent for agent in event["agent"] if not agent["requestor"]]
    assert _identifier(principal["who"]) == _doctor(people)
    assert principal["who"]["display"] == "Jean MARTIN"
    assert principal["type"]["coding"][0]["code"] == "RESP"
    assert "extension" not in principal

    assert provenance["resourceType"] == "Provenance"
    (agent,) = provenance["agent"]
    assert _identifier(agent["who"]) == delegate_identifier
    assert _identifier(agent["onBehalfOf"]) == _doctor(people)
    assert agent["onBehalfOf"]["display"] == "Jean MARTIN"
    assert provenance["target"][0]["identifier"]["value"] == people.dossier.number
    validate(event), validate(provenance)


def test_the_doctors_own_action_has_one_agent_and_no_provenance(people):
    entry = people.write(Action.MEDICAL_UPDATED, people.actors()[0][1], False)
    resources = fhir.to_resources(fhir.loaded(Entry.objects).get(pk=entry.pk))
    assert [r["resourceType"] for r in resources] == ["AuditEvent"]
    (agent,) = resources[0]["agent"]
    assert agent["requestor"] is True
    assert _identifier(agent["who"]) == _doctor(people)
    assert "extension" not in agent and "role" not in agent


def test_a_consultation_in_his_name_has_no_provenance(people):
    entry = people.write(Action.DOSSIER_VIEWED, people.actors()[1][1], True)
    resources = fhir.to_resources(fhir.loaded(Entry.objects).get(pk=entry.pk))
    assert [r["resourceType"] for r in resources] == ["AuditEvent"]
    assert resources[0]["action"] == "R" and resources[0]["subtype"][0]["code"] == "read"
    assert len(resources[0]["agent"]) == 2


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        (Action.LOGIN, "0"),
        (Action.LOGIN_FAILED, "4"),
        (Action.OPERATOR_LOGIN_FAILED, "4"),
        (Action.DELEGATION_ACCEPT_DENIED, "4"),
        (Action.DELEGATION_REFUSED, "0"),
    ],
)
def test_failures_are_failures(people, action, outcome):
    entry = people.write(action, people.actors()[3][1], False, detail="code PIN erroné")
    event = fhir.audit_event(fhir.loaded(Entry.objects).get(pk=entry.pk))
    assert event["outcome"] == outcome
    assert ("outcomeDesc" in event) == (outcome != "0")


def test_login_and_logout_are_dicom_user_authentication(people):
    login = fhir.audit_event(people.write(Action.LOGIN, people.actors()[0][1], False))
    logout = fhir.audit_event(people.write(Action.LOGOUT, people.actors()[0][1], False))
    assert (login["type"]["system"], login["type"]["code"]) == (fhir.DCM, "110114")
    assert [(c["system"], c["code"]) for c in login["subtype"]][0] == (fhir.DCM, "110122")
    assert logout["subtype"][0]["code"] == "110123"


def test_the_chain_and_the_recorded_words_are_carried(people):
    entry = people.write(
        Action.MEDICAL_UPDATED,
        people.actors()[1][1],
        True,
        changes=[{"field": "antecedents", "label": "Antécédents", "old": "", "new": "diabète"}],
    )
    event = fhir.audit_event(fhir.loaded(Entry.objects).get(pk=entry.pk))
    (journal,) = event["extension"]
    parts = {}
    for part in journal["extension"]:
        parts.setdefault(part["url"], []).append(part["valueString"])
    assert parts["sequence"] == [str(entry.sequence)]
    assert parts["hash"] == [entry.hash] and parts["prevHash"] == [entry.prev_hash]
    assert parts["changedField"] == ["Antécédents"]
    assert "diabète" not in str(event)  # the values stay in the journal
    assert event["id"] == f"journal-{entry.sequence}"
    assert event["subtype"][1] == {
        "system": fhir.system("CodeSystem/action"),
        "code": "medical_updated",
        "display": "Modification du volet médical",
    }
    patient, dossier = event["entity"]
    assert patient["what"]["identifier"]["value"] == str(people.dossier.patient_id)
    assert dossier["what"]["identifier"]["value"] == people.dossier.number


def test_names_are_those_the_journal_recorded(people):
    entry = people.write(Action.MEDICAL_UPDATED, people.actors()[1][1], True)
    people.assistant.last_name = "DURAND"
    people.assistant.save()
    people.doctor.professional.last_name = "AUTRE"
    people.doctor.professional.save()
    event = fhir.audit_event(fhir.loaded(Entry.objects).get(pk=entry.pk))
    assert [agent["who"]["display"] for agent in event["agent"]] == ["Sophie BERNARD", "Jean MARTIN"]


def test_an_assistant_has_our_identifier_a_professional_the_national_one(people):
    assistant = fhir.audit_event(people.write(Action.LOGIN, people.actors()[3][1], False))["agent"][0]["who"]
    doctor = fhir.audit_event(people.write(Action.LOGIN, people.actors()[0][1], False))["agent"][0]["who"]
    assert assistant["identifier"]["system"] == fhir.system("utilisateur")
    assert assistant["identifier"]["type"]["coding"][0]["code"] == "INTRN"
    assert doctor["identifier"] == {
        "use": "official",
        "type": {
            "coding": [
                {
                    "system": fhir.FR_IDENTIFIER_TYPE,
                    "code": "IDNPS",
                    "display": "Identifiant National de Professionnel de Santé",
                }
            ]
        },
        "system": "urn:oid:1.2.250.1.71.4.2.1",
        "value": people.doctor.professional.national_id,
    }


def test_the_bundle_is_a_valid_collection(full_journal):
    document = bundle(full_journal)
    assert document["type"] == "collection"
    parsed = Bundle.model_validate(document)
    assert len(parsed.entry) == full_journal.count() + 10
    urls = [e["fullUrl"] for e in document["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith(fhir.system("")) for url in urls)


def test_the_bundle_refuses_to_be_invalid(people, monkeypatch):
    people.write(Action.LOGIN, people.actors()[0][1], False)
    broken = fhir.audit_event

    def without_recorded(entry):
        resource = broken(entry)
        del resource["recorded"]
        return resource

    monkeypatch.setattr(fhir, "audit_event", without_recorded)
    with pytest.raises(ValidationError):
        bundle(Entry.objects.all())


def test_entries_written_by_the_real_services_in_the_doctors_name(doctor_card, assistant_card, dossier):
    """The journal as the dossier services write it: Sophie (CPE) for the doctor, then the doctor himself."""
    from dossiers import services as dossiers
    from tests.conftest import actor_for
    from tests.factories import DelegationFactory

    doctor = doctor_card.holder.professional
    DelegationFactory(doctor=doctor, delegate=assistant_card.holder, can_edit=True)
    sophie = actor_for(assistant_card, acting_for_id=doctor.pk, acting_for=doctor)
    dossiers.record_consultation(actor=sophie, dossier=dossier)
    dossiers.update_medical(actor=sophie, dossier=dossier, data={"gir": 3}, expected_version=dossier.version)
    dossiers.record_consultation(actor=actor_for(doctor_card), dossier=dossier)

    viewed, updated, own = (fhir.to_resources(entry) for entry in fhir.loaded(Entry.objects.order_by("sequence")))
    for resource in (*viewed, *updated, *own):
        validate(resource)
    assert [len(r) for r in (viewed, updated, own)] == [1, 2, 1]  # a Provenance for the change only
    doctor_id = (fhir.IDNPS_SYSTEM, doctor.national_id)
    sophie_id = (fhir.system("utilisateur"), str(assistant_card.holder.pk))
    for event in (viewed[0], updated[0]):
        (requestor,) = [a for a in event["agent"] if a["requestor"]]
        (principal,) = [a for a in event["agent"] if not a["requestor"]]
        assert (_identifier(requestor["who"]), _identifier(principal["who"])) == (sophie_id, doctor_id)
    provenance = updated[1]
    assert _identifier(provenance["agent"][0]["who"]) == sophie_id
    assert _identifier(provenance["agent"][0]["onBehalfOf"]) == doctor_id
    (agent,) = own[0]["agent"]
    assert _identifier(agent["who"]) == doctor_id
