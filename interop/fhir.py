"""The journal in FHIR R4: one entry → one AuditEvent (IHE Basic Audit Log Patterns), plus one Provenance when a
dossier was changed in someone's name. docs/fhir.md gives the mapping with examples.

Pure functions from an entry (with its actor's directory entry, its principal and its dossier loaded:
`RELATED`) to JSON-ready dicts: no query, no validation here (the tests validate every kind with fhir.resources;
`bundle.validated` does it for the doctor's export). Names are those the journal recorded, never today's.
"""

from datetime import UTC
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from journal.models import Action, ActorRole, Entry

# What `to_resources` reads beyond the entry's own columns: one JOIN each, no query per entry, and of the joined
# rows only these columns (building whole users and dossiers took most of an export's time).
RELATED = ("actor__professional", "on_behalf_of", "dossier")
RELATED_COLUMNS = (
    "actor__professional__national_id",
    "on_behalf_of__national_id",
    "dossier__number",
    "dossier__patient_id",
)


def loaded(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """`entries` with what the mapping reads, in the same query."""
    own = [field.name for field in Entry._meta.concrete_fields]
    return entries.select_related(*RELATED).only(*own, *RELATED_COLUMNS)


# Code systems (standard).
DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction"
AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
SECURITY_ROLE_TYPE = "http://terminology.hl7.org/CodeSystem/extra-security-role-type"
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
PROVENANCE_ENTITY_ROLE = "http://hl7.org/fhir/provenance-entity-role"
# The R5 « on behalf of » of an AuditEvent agent, usable in R4 as an extension (FHIR Extensions Pack).
ON_BEHALF_OF_EXTENSION = "http://hl7.org/fhir/StructureDefinition/auditevent-OnBehalfOf"
# France (Interop'Santé FR Core, ANS).
FR_IDENTIFIER_TYPE = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # national identifier of a professional: "8" + RPPS or "0" + ADELI
CARD_TYPE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R87-TypeCarte/FHIR/TRE-R87-TypeCarte"
CARD_TYPES = {
    "CPS": "Carte de Professionnel de Santé",
    "CPF": "Carte de Professionnel de Santé en Formation",
    "CPE": "Carte de Personnel d'Etablissement",
    "CPA": "Carte de Personnel Autorisé",
}

PLATFORM = "Espace médecins"


def system(name: str) -> str:
    """Our own URIs (people without a national identifier, patients, dossiers, the journal), under
    FHIR_SYSTEM_BASE: the operator sets it once to an address his organisation controls, and keeps it."""
    return f"{settings.FHIR_SYSTEM_BASE}/{name}"


def _coding(code_system: str, code: str, display: str) -> dict[str, str]:
    return {"system": code_system, "code": code, "display": display}


USER_AUTHENTICATION = _coding(DCM, "110114", "User Authentication")
SECURITY_ALERT = _coding(DCM, "110113", "Security Alert")
REST = _coding(AUDIT_EVENT_TYPE, "rest", "RESTful Operation")
LOGIN = _coding(DCM, "110122", "Login")
LOGOUT = _coding(DCM, "110123", "Logout")
SECURITY_ROLES_CHANGED = _coding(DCM, "110136", "Security Roles Changed")
USER_SECURITY_ATTRIBUTES_CHANGED = _coding(DCM, "110137", "User Security Attributes Changed")
READ = _coding(RESTFUL_INTERACTION, "read", "read")
CREATE = _coding(RESTFUL_INTERACTION, "create", "create")
UPDATE = _coding(RESTFUL_INTERACTION, "update", "update")
EXPORT = _coding(DCM, "110106", "Export")
SEARCH = _coding(RESTFUL_INTERACTION, "search-type", "search-type")

SUCCESS, MINOR_FAILURE = "0", "4"

# Every action of the journal: (type, standard subtype, C/R/U/D/E, outcome). A new journal action without its
# line here fails tests/interop/test_mapping.py.
EVENTS: dict[str, tuple[dict[str, str], dict[str, str], str, str]] = {
    Action.LOGIN: (USER_AUTHENTICATION, LOGIN, "E", SUCCESS),
    Action.LOGIN_FAILED: (USER_AUTHENTICATION, LOGIN, "E", MINOR_FAILURE),
    Action.CARD_BLOCKED: (SECURITY_ALERT, USER_SECURITY_ATTRIBUTES_CHANGED, "U", SUCCESS),
    Action.CARD_UNBLOCKED: (SECURITY_ALERT, USER_SECURITY_ATTRIBUTES_CHANGED, "U", SUCCESS),
    Action.LOGOUT: (USER_AUTHENTICATION, LOGOUT, "E", SUCCESS),
    Action.DOSSIER_VIEWED: (REST, READ, "R", SUCCESS),
    Action.DOSSIER_CREATED: (REST, CREATE, "C", SUCCESS),
    Action.MEDICAL_UPDATED: (REST, UPDATE, "U", SUCCESS),
    Action.MEDICAL_VALIDATED: (REST, UPDATE, "U", SUCCESS),
    Action.DOSSIER_SENT: (REST, UPDATE, "U", SUCCESS),
    Action.DOSSIER_ARCHIVED: (REST, UPDATE, "U", SUCCESS),
    # A delegation gives or takes rights: the security alert « roles changed », what happened by C/U/D/E.
    Action.DELEGATION_ADDED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "C", SUCCESS),
    Action.DELEGATION_MAILED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "E", SUCCESS),
    Action.DELEGATION_RESENT: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "E", SUCCESS),
    Action.DELEGATION_ACCEPTED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "U", SUCCESS),
    Action.DELEGATION_REFUSED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "U", SUCCESS),
    Action.DELEGATION_ACCEPT_DENIED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "E", MINOR_FAILURE),
    Action.DELEGATION_MODIFIED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "U", SUCCESS),
    Action.DELEGATION_DELETED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "D", SUCCESS),
    Action.DELEGATION_EXPIRED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "U", SUCCESS),
    Action.DELEGATION_REMINDED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "E", SUCCESS),
    Action.DELEGATION_SUSPENDED: (SECURITY_ALERT, SECURITY_ROLES_CHANGED, "U", SUCCESS),
    Action.OPERATOR_LOGIN: (USER_AUTHENTICATION, LOGIN, "E", SUCCESS),
    Action.OPERATOR_LOGIN_FAILED: (USER_AUTHENTICATION, LOGIN, "E", MINOR_FAILURE),
    Action.OPERATOR_CHANGE: (REST, UPDATE, "U", SUCCESS),
    Action.IDENTITY_CORRECTED: (SECURITY_ALERT, USER_SECURITY_ATTRIBUTES_CHANGED, "U", SUCCESS),
    # « Actions faites en mon nom »: the doctor took his filtered list away (CSV, PDF, FHIR).
    Action.HISTORY_EXPORTED: (EXPORT, SEARCH, "R", SUCCESS),
    Action.PREFERENCES_CHANGED: (REST, UPDATE, "U", SUCCESS),
}

# The dossier changes that, made in someone's name, also get a Provenance: (data operation, agent type).
PROVENANCE: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    Action.DOSSIER_CREATED: (
        _coding(DATA_OPERATION, "CREATE", "create"),
        _coding(PROVENANCE_AGENT_TYPE, "author", "Author"),
    ),
    Action.MEDICAL_UPDATED: (
        _coding(DATA_OPERATION, "UPDATE", "revise"),
        _coding(PROVENANCE_AGENT_TYPE, "author", "Author"),
    ),
    # Validating signs the volet médical: the signer is its legal authenticator.
    Action.MEDICAL_VALIDATED: (
        _coding(DATA_OPERATION, "UPDATE", "revise"),
        _coding(PROVENANCE_AGENT_TYPE, "legal", "Legal Authenticator"),
    ),
    Action.DOSSIER_SENT: (
        _coding(DATA_OPERATION, "UPDATE", "revise"),
        _coding(PROVENANCE_AGENT_TYPE, "performer", "Performer"),
    ),
    Action.DOSSIER_ARCHIVED: (
        _coding(DATA_OPERATION, "UPDATE", "revise"),
        _coding(PROVENANCE_AGENT_TYPE, "performer", "Performer"),
    ),
}

DELEGATE_ROLE = _coding(ROLE_CLASS, "AGNT", "agent")
PRINCIPAL_TYPE = _coding(PARTICIPATION_TYPE, "RESP", "responsible party")
HUMAN_USER = _coding(SECURITY_ROLE_TYPE, "humanuser", "human user")


def audit_event_id(entry: Entry) -> str:
    return f"journal-{entry.sequence}"


def _instant(entry: Entry) -> str:
    return entry.created_at.astimezone(UTC).isoformat()


def professional_reference(national_id: str, name: str) -> dict[str, Any]:
    """A professional as FR Core identifies him: the IDNPS in its national system, with the recorded name."""
    return {
        "type": "Practitioner",
        "identifier": {
            "use": "official",
            "type": {
                "coding": [_coding(FR_IDENTIFIER_TYPE, "IDNPS", "Identifiant National de Professionnel de Santé")]
            },
            "system": IDNPS_SYSTEM,
            "value": national_id,
        },
        "display": name,
    }


def _internal_reference(user_id: int, name: str, *, practitioner: bool) -> dict[str, Any]:
    """Someone without a national identifier (an assistant, an operator): our own system and his id."""
    reference: dict[str, Any] = {
        "identifier": {
            "use": "secondary",
            "type": {"coding": [_coding(FR_IDENTIFIER_TYPE, "INTRN", "Identifiant interne")]},
            "system": system("utilisateur"),
            "value": str(user_id),
        },
        "display": name,
    }
    if practitioner:
        reference = {"type": "Practitioner", **reference}
    return reference


def actor_reference(entry: Entry) -> dict[str, Any]:
    name = entry.actor_name or "inconnu"
    if entry.actor_id is None:
        return {"display": name}  # the platform itself, or an identity nobody could be matched to
    professional = entry.actor.professional if entry.actor is not None else None
    if professional is not None:
        return professional_reference(professional.national_id, name)
    return _internal_reference(entry.actor_id, name, practitioner=entry.actor_role != ActorRole.OPERATOR)


def principal_reference(entry: Entry) -> dict[str, Any]:
    if entry.on_behalf_of is None:
        raise ValueError(f"L'entrée n° {entry.sequence} n'a pas de médecin au nom duquel elle a été faite.")
    # FHIR has no empty string: a name the journal did not record reads « inconnu », as for an unknown actor.
    return professional_reference(entry.on_behalf_of.national_id, entry.on_behalf_name or "inconnu")


def _dossier(entry: Entry) -> Any:
    if entry.dossier is None:
        raise ValueError(f"L'entrée n° {entry.sequence} ne concerne aucun dossier.")
    return entry.dossier


def _dossier_reference(entry: Entry) -> dict[str, Any]:
    number = _dossier(entry).number
    return {"identifier": {"system": system("dossier"), "value": number}, "display": f"Dossier {number}"}


def _patient_reference(entry: Entry) -> dict[str, Any]:
    # Our own identifier only: no INS here, and an audit trail carries no patient's name.
    patient_id = _dossier(entry).patient_id
    return {"type": "Patient", "identifier": {"system": system("patient"), "value": str(patient_id)}}


def _journal_extension(entry: Entry) -> dict[str, Any]:
    """Where the entry sits in the hash chain, to check it against `verify_journal` or a signed checkpoint."""
    parts: list[dict[str, Any]] = [
        {"url": "sequence", "valueString": str(entry.sequence)},
        {"url": "hash", "valueString": entry.hash},
        {"url": "prevHash", "valueString": entry.prev_hash},
    ]
    if entry.detail:
        parts.append({"url": "detail", "valueString": entry.detail})
    # Which fields changed, by their label: the values (medical text) stay in the journal.
    parts.extend({"url": "changedField", "valueString": str(c.get("label") or c.get("field"))} for c in entry.changes)
    return {"url": system("StructureDefinition/journal-entry"), "extension": parts}


def _acts_for_someone_else(entry: Entry) -> bool:
    return entry.is_delegated and entry.on_behalf_of_id is not None


def _agents(entry: Entry) -> list[dict[str, Any]]:
    requestor: dict[str, Any] = {
        "who": actor_reference(entry),
        "name": entry.actor_name or "inconnu",
        "requestor": True,
    }
    if entry.card_type:
        label = CARD_TYPES.get(entry.card_type, entry.card_type)
        requestor["type"] = {"coding": [_coding(CARD_TYPE_SYSTEM, entry.card_type, label)]}
    elif entry.actor_role == ActorRole.OPERATOR:
        requestor["type"] = {"coding": [HUMAN_USER]}
    if not _acts_for_someone_else(entry):
        return [requestor]
    principal = principal_reference(entry)
    requestor["role"] = [{"coding": [DELEGATE_ROLE]}]
    requestor["extension"] = [{"url": ON_BEHALF_OF_EXTENSION, "valueReference": principal}]
    return [
        requestor,
        {"type": {"coding": [PRINCIPAL_TYPE]}, "who": principal, "name": principal["display"], "requestor": False},
    ]


def _entities(entry: Entry) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if entry.dossier_id is not None:
        entities.append(
            {
                "what": _patient_reference(entry),
                "type": _coding(AUDIT_ENTITY_TYPE, "1", "Person"),
                "role": _coding(OBJECT_ROLE, "1", "Patient"),
            }
        )
        entities.append(
            {
                "what": _dossier_reference(entry),
                "type": _coding(AUDIT_ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
            }
        )
    if entry.delegation_id is not None:
        entities.append(
            {
                "what": {
                    "identifier": {"system": system("delegation"), "value": str(entry.delegation_id)},
                    "display": f"Délégation n° {entry.delegation_id}",
                },
                "type": _coding(AUDIT_ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "13", "Security Resource"),
            }
        )
    # A delegation's doctor when someone else answered for himself (acceptance, refusal): concerned, not acting.
    acting_professional = entry.actor.professional_id if entry.actor is not None else None
    if entry.on_behalf_of_id is not None and not entry.is_delegated and entry.on_behalf_of_id != acting_professional:
        entities.append(
            {
                "what": principal_reference(entry),
                "type": _coding(AUDIT_ENTITY_TYPE, "1", "Person"),
                "role": _coding(OBJECT_ROLE, "11", "Security User Entity"),
            }
        )
    return entities


def audit_event(entry: Entry) -> dict[str, Any]:
    event_type, subtype, action, outcome = EVENTS[entry.action]
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": audit_event_id(entry),
        "extension": [_journal_extension(entry)],
        "type": event_type,
        # The journal's own action too, with its French label as recorded.
        "subtype": [
            subtype,
            {"system": system("CodeSystem/action"), "code": entry.action, "display": entry.action_label},
        ],
        "action": action,
        "recorded": _instant(entry),
        "outcome": outcome,
        "agent": _agents(entry),
        "source": {
            "site": PLATFORM,
            "observer": {
                "identifier": {"system": system("plateforme"), "value": "espace-medecins"},
                "display": PLATFORM,
            },
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        },
    }
    if outcome != SUCCESS and entry.detail:
        resource["outcomeDesc"] = entry.detail
    entities = _entities(entry)
    if entities:
        resource["entity"] = entities
    return resource


def provenance(entry: Entry) -> dict[str, Any] | None:
    """Only for a change of a dossier made in someone's name: who did it (the delegate) on behalf of whom."""
    if entry.action not in PROVENANCE or entry.dossier_id is None or not _acts_for_someone_else(entry):
        return None
    activity, agent_type = PROVENANCE[entry.action]
    return {
        "resourceType": "Provenance",
        "id": f"{audit_event_id(entry)}-provenance",
        "extension": [_journal_extension(entry)],
        "target": [_dossier_reference(entry)],
        "recorded": _instant(entry),
        "activity": {
            "coding": [
                activity,
                {"system": system("CodeSystem/action"), "code": entry.action, "display": entry.action_label},
            ],
            "text": entry.action_label,
        },
        "agent": [
            {
                "type": {"coding": [agent_type]},
                "role": [{"coding": [DELEGATE_ROLE]}],
                "who": actor_reference(entry),
                "onBehalfOf": principal_reference(entry),
            }
        ],
        "entity": [
            {
                "role": "source",
                "what": {"reference": f"AuditEvent/{audit_event_id(entry)}", "display": entry.action_label},
            }
        ],
    }


def to_resources(entry: Entry) -> list[dict[str, Any]]:
    """The AuditEvent of an entry, followed by its Provenance when it has one."""
    resources = [audit_event(entry)]
    extra = provenance(entry)
    if extra is not None:
        resources.append(extra)
    return resources
