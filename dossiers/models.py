"""Admission dossiers (EHPAD/USLD requests, paper equivalent Cerfa 14732*03) and their patients."""

from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.text import normalize
from delegations.policy import DossierAction

TEXT_MAX = 4000  # one volet médical text field; longer texts are refused with a message


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"


def display_name(*, first_name: str, birth_name: str, usage_name: str) -> str:
    """A patient as the pages name him: « Marie DURAND (nom d'usage MARTIN) ». From the columns, so that a list can
    write it from the values it read (Patient.display_name)."""
    usage = f" (nom d'usage {usage_name.upper()})" if usage_name else ""
    return f"{first_name} {birth_name.upper()}{usage}"


class Patient(models.Model):
    birth_name = models.CharField("nom de naissance", max_length=100)
    usage_name = models.CharField("nom d'usage", max_length=100, blank=True)
    first_name = models.CharField("prénom", max_length=100)
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    # Normalised names for accent-insensitive search, and the identity key for the duplicate alert.
    search_name = models.CharField(max_length=320, editable=False, db_index=True)

    class Meta:
        verbose_name = "patient"

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_name = normalize(f"{self.birth_name} {self.usage_name} {self.first_name}")
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return display_name(first_name=self.first_name, birth_name=self.birth_name, usage_name=self.usage_name)


class DossierType(models.TextChoices):
    EHPAD = "EHPAD", "EHPAD (établissement d'hébergement pour personnes âgées dépendantes)"
    USLD = "USLD", "USLD (unité de soins de longue durée)"


class Status(models.TextChoices):
    IN_PROGRESS = "en_cours", "En cours de saisie"
    VALIDATED = "valide", "Volet médical validé"
    SENT = "envoye", "Envoyé"
    ARCHIVED = "archive", "Archivé"


@dataclass(frozen=True)
class Transition:
    sources: frozenset  # the statuses it may start from
    target: Status
    refused: str  # said when the dossier's status forbids it ({status}: its label)


# Every status change, in one table: the `can_*` helpers (hence the buttons) and the services read it.
TRANSITIONS = {
    # Editing a validated volet sends it back to « En cours de saisie ».
    DossierAction.EDIT_MEDICAL: Transition(
        frozenset({Status.IN_PROGRESS, Status.VALIDATED}),
        Status.IN_PROGRESS,
        "Le volet médical d'un dossier « {status} » ne peut plus être modifié.",
    ),
    DossierAction.VALIDATE_MEDICAL: Transition(
        frozenset({Status.IN_PROGRESS}),
        Status.VALIDATED,
        "Seul un volet médical « En cours de saisie » peut être validé.",
    ),
    DossierAction.SEND: Transition(
        frozenset({Status.VALIDATED}),
        Status.SENT,
        "Le dossier ne peut être envoyé qu'une fois le volet médical validé.",
    ),
    DossierAction.ARCHIVE: Transition(
        frozenset({Status.IN_PROGRESS, Status.VALIDATED, Status.SENT}), Status.ARCHIVED, "Ce dossier est déjà archivé."
    ),
}
# The statuses whose volet médical is signed (validated_by and validated_at set), and those whose is not; an archived
# dossier may be either.
SIGNED = [Status.VALIDATED, Status.SENT]
UNSIGNED = [Status.IN_PROGRESS]

# The volet médical, in the order of the form; used for change tracking too.
MEDICAL_FIELDS = ["antecedents", "pathologies", "traitements", "allergies", "gir", "commentaire"]
# What must be filled before the volet médical is validated (signed): listed on the confirmation page, checked by
# services.validate_medical.
REQUIRED_TO_VALIDATE = ["gir"]


class Dossier(models.Model):
    number = models.CharField("numéro", max_length=20, unique=True)
    dossier_type = models.CharField("type de demande", max_length=10, choices=DossierType.choices)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dossiers")
    # No index of its own: dossier_doctor_recent begins with it and serves every read by doctor. Beside it, the
    # smaller one-column index made PostgreSQL's generic plan of Mes dossiers (a prepared statement) sort all of a
    # doctor's dossiers to count the first pages (docs/performance.md).
    medecin_traitant = models.ForeignKey(
        "directory.Professional",
        verbose_name="médecin traitant",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Filled by the patient's family elsewhere on the platform; read-only here: {label: value}.
    volet_administratif = models.JSONField("volet administratif", default=dict, blank=True)
    antecedents = models.TextField("Antécédents", blank=True, max_length=TEXT_MAX)
    pathologies = models.TextField("Pathologies en cours", blank=True, max_length=TEXT_MAX)
    traitements = models.TextField("Traitements en cours", blank=True, max_length=TEXT_MAX)
    allergies = models.TextField("Allergies", blank=True, max_length=TEXT_MAX)
    gir = models.PositiveSmallIntegerField(
        "GIR", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    commentaire = models.TextField("Commentaire", blank=True, max_length=TEXT_MAX)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.IN_PROGRESS)
    validated_by = models.ForeignKey(
        "accounts.User", verbose_name="validé par", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    # Optimistic locking: a save based on an older version is refused, nothing is overwritten.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("dernière modification", default=timezone.now)

    class Meta:
        verbose_name = "dossier"
        indexes = [
            models.Index(fields=["medecin_traitant", "-updated_at"], name="dossier_doctor_recent"),
            models.Index(fields=["medecin_traitant", "status", "-updated_at"], name="dossier_doctor_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(gir__isnull=True) | Q(gir__gte=1, gir__lte=6), name="gir_from_1_to_6"),
            models.CheckConstraint(
                condition=Q(validated_by__isnull=True, validated_at__isnull=True)
                | Q(validated_by__isnull=False, validated_at__isnull=False),
                name="validated_by_and_at_together",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SIGNED, validated_at__isnull=False)
                | Q(status__in=UNSIGNED, validated_at__isnull=True)
                | ~Q(status__in=SIGNED + UNSIGNED),
                name="validated_exactly_when_signed",
            ),
        ]

    def __str__(self):
        return f"Dossier {self.number}"

    def allows(self, action: DossierAction) -> bool:
        """Whether the dossier's status allows the transition (TRANSITIONS); who may do it is authz's business."""
        return self.status in TRANSITIONS[action].sources

    @property
    def is_medical_editable(self) -> bool:
        return self.allows(DossierAction.EDIT_MEDICAL)

    @property
    def can_be_validated(self) -> bool:
        return self.allows(DossierAction.VALIDATE_MEDICAL)

    @property
    def can_be_sent(self) -> bool:
        return self.allows(DossierAction.SEND)

    @property
    def can_be_archived(self) -> bool:
        return self.allows(DossierAction.ARCHIVE)

    @staticmethod
    def number_for(pk: int, when) -> str:
        """Derived from the primary key: unique without a race between two creations."""
        return f"{when:%Y}-{pk:07d}"

    def missing_to_validate(self) -> list[tuple[str, str]]:
        """The parts still empty that validating needs, as (field name, label)."""
        return [
            (name, str(self._meta.get_field(name).verbose_name))  # type: ignore[union-attr]  # a concrete field
            for name in REQUIRED_TO_VALIDATE
            if getattr(self, name) in (None, "")
        ]

    def medical_values(self) -> dict:
        return {name: getattr(self, name) for name in MEDICAL_FIELDS}
