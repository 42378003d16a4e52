"""THE authorization place: may this actor do this action on a doctor's dossiers, and for whom?

Every view and service asks here; dossiers are then fetched through a queryset filtered to the
principal decided here. Nothing is cached between requests: a withdrawn right is gone at once.
"""

from dataclasses import dataclass

from django.db import models


class DossierAction(models.TextChoices):
    VIEW = "view", "Consulter le dossier"
    CREATE = "create", "Créer un dossier"
    EDIT_MEDICAL = "edit_medical", "Modifier le volet médical"
    VALIDATE_MEDICAL = "validate_medical", "Valider le volet médical"
    SEND = "send", "Envoyer le dossier"
    ARCHIVE = "archive", "Archiver le dossier"


class Reason(models.TextChoices):
    ALLOWED = "allowed", "Autorisé"
    ANONYMOUS = "anonymous", "Connexion requise"
    NO_OWN_SPACE = "no_own_space", "Pas d'espace médecin pour cette carte"
    NOT_A_SIGNATURE = "not_a_signature", "Seul un médecin connecté avec sa CPS peut valider"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # On whose behalf the actor acts (a directory Professional), when known.
    principal: object | None = None
    is_delegated: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def decide(actor, action: DossierAction) -> Decision:
    """Decide for the actor's current principal (himself, or the doctor chosen via « Agir au nom de »)."""
    if actor is None or not actor.is_authenticated:
        return Decision(False, Reason.ANONYMOUS)
    if not actor.is_doctor:
        return Decision(False, Reason.NO_OWN_SPACE)
    # A doctor with his CPS, in his own space: every action on the dossiers he is médecin traitant of.
    return Decision(True, Reason.ALLOWED, principal=actor.professional, is_delegated=False)


def allowed_actions(actor) -> set[str]:
    """The actions the actor may do for his current principal (to choose which buttons to show)."""
    return {action for action in DossierAction if decide(actor, action).allowed}
