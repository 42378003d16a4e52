import pytest

from journal.models import Action, ActorRole, Entry
from journal.services import record
from tests.factories import DelegationFactory, DoctorUserFactory, DossierFactory, UserFactory

DOSSIER_ACTIONS = {
    Action.DOSSIER_VIEWED,
    Action.DOSSIER_CREATED,
    Action.MEDICAL_UPDATED,
    Action.MEDICAL_VALIDATED,
    Action.DOSSIER_SENT,
    Action.DOSSIER_ARCHIVED,
}
DELEGATION_ACTIONS = {action for action in Action if action.value.startswith("delegation_")}


class People:
    def __init__(self):
        self.doctor = DoctorUserFactory(professional__first_name="Jean", professional__last_name="MARTIN")
        self.assistant = UserFactory(first_name="Sophie", last_name="BERNARD")
        self.colleague = DoctorUserFactory(professional__first_name="Paul", professional__last_name="DUBOIS")
        self.operator = UserFactory(first_name="Olga", last_name="OPÉRATRICE", is_staff=True)
        self.dossier = DossierFactory(medecin_traitant=self.doctor.professional)
        self.delegation = DelegationFactory(doctor=self.doctor.professional, delegate=self.assistant)

    def actors(self):
        """(label, actor fields, in the doctor's name): the doctor, an assistant and a colleague in his name, an
        operator, the platform, an unknown identity."""
        doctor, assistant, colleague = self.doctor, self.assistant, self.colleague
        return [
            ("médecin", _fields(doctor, ActorRole.DOCTOR, "CPS"), False),
            ("assistante en son nom", _fields(assistant, ActorRole.ASSISTANT, "CPE"), True),
            ("confrère en son nom", _fields(colleague, ActorRole.DOCTOR, "CPS"), True),
            ("assistante pour elle-même", _fields(assistant, ActorRole.ASSISTANT, "CPE"), False),
            (
                "opérateur",
                {"actor_user": self.operator, "actor_name": "Olga OPÉRATRICE", "actor_role": ActorRole.OPERATOR},
                False,
            ),
            ("plateforme", {"actor_user": None, "actor_name": "la plateforme", "actor_role": ""}, False),
            ("inconnu", {"actor_user": None, "actor_name": "inconnu", "actor_role": "", "card_type": "CPS"}, False),
        ]

    def write(self, action, fields, delegated, **extra):
        links = {}
        if action in DOSSIER_ACTIONS:
            links["dossier"] = self.dossier
        if action in DELEGATION_ACTIONS:
            links["delegation"] = self.delegation
        principal = self.doctor.professional if (delegated or links or fields["actor_user"] == self.doctor) else None
        return record(
            action=action,
            **fields,
            on_behalf_of=principal,
            is_delegated=delegated,
            **links,
            **extra,
        )


def _fields(user, role, card):
    return {
        "actor_user": user,
        "actor_name": user.display_name,
        "actor_role": role,
        "card_type": card,
        "login_method": "demo",
    }


@pytest.fixture
def people(db):
    return People()


@pytest.fixture
def full_journal(people):
    """Every action of the journal by every kind of actor, delegated or not, with changes and details."""
    for action in Action:
        for _label, fields, delegated in people.actors():
            people.write(
                action,
                fields,
                delegated,
                changes=[{"field": "gir", "label": "GIR", "old": "", "new": "3"}] if action in DOSSIER_ACTIONS else [],
                detail="code PIN erroné" if action == Action.LOGIN_FAILED else "",
            )
    return Entry.objects.order_by("sequence")
