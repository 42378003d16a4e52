"""The append-only journal: who did what, on whose behalf, on which dossier or delegation."""

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    """The journal's closed vocabulary, every app's actions in one list (ARCHITECTURE.md « Journal » says why):
    a value and its French label, nothing of the rules that emit them."""

    # Session
    LOGIN = "login", "Connexion"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    CARD_BLOCKED = "card_blocked", "Blocage de la carte"
    CARD_UNBLOCKED = "card_unblocked", "Déblocage de la carte"
    LOGOUT = "logout", "Déconnexion"
    # Dossiers
    DOSSIER_VIEWED = "dossier_viewed", "Consultation du dossier"
    DOSSIER_CREATED = "dossier_created", "Création du dossier"
    MEDICAL_UPDATED = "medical_updated", "Modification du volet médical"
    MEDICAL_VALIDATED = "medical_validated", "Validation du volet médical"
    DOSSIER_SENT = "dossier_sent", "Envoi du dossier"
    DOSSIER_ARCHIVED = "dossier_archived", "Archivage du dossier"
    # Delegations
    DELEGATION_ADDED = "delegation_added", "Ajout d'une délégation de droits"
    DELEGATION_MAILED = "delegation_mailed", "Envoi du courriel d'invitation"
    DELEGATION_RESENT = "delegation_resent", "Nouvel envoi de l'invitation"
    DELEGATION_ACCEPTED = "delegation_accepted", "Acceptation de la délégation"
    DELEGATION_REFUSED = "delegation_refused", "Refus de la délégation"
    DELEGATION_ACCEPT_DENIED = "delegation_accept_denied", "Tentative d'acceptation refusée"
    DELEGATION_MODIFIED = "delegation_modified", "Modification de la délégation"
    DELEGATION_DELETED = "delegation_deleted", "Suppression de la délégation"
    DELEGATION_EXPIRED = "delegation_expired", "Expiration de la délégation"
    DELEGATION_REMINDED = "delegation_reminded", "Rappel de fin de délégation"
    DELEGATION_SUSPENDED = "delegation_suspended", "Suspension de la délégation"
    # Operators
    OPERATOR_LOGIN = "operator_login", "Connexion d'un opérateur à la gestion"
    OPERATOR_LOGIN_FAILED = "operator_login_failed", "Échec de connexion d'un opérateur à la gestion"
    OPERATOR_CHANGE = "operator_change", "Modification par un opérateur"
    IDENTITY_CORRECTED = "identity_corrected", "Correction d'identité par un opérateur"
    # Oversight (« Actions faites en mon nom »)
    HISTORY_EXPORTED = "history_exported", "Export de l'historique"
    PREFERENCES_CHANGED = "preferences_changed", "Modification des préférences de courriel"


# The actions that change a dossier (« Dernière modification » in Mes dossiers): the partial index
# journal_dossier_changes holds these only, so that finding a dossier's latest change never walks its consultations.
DOSSIER_CHANGES = (
    Action.DOSSIER_CREATED,
    Action.MEDICAL_UPDATED,
    Action.MEDICAL_VALIDATED,
    Action.DOSSIER_SENT,
    Action.DOSSIER_ARCHIVED,
)


class JournalIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a journal entry."""


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise JournalIsAppendOnly("Le journal ne peut pas être modifié.")

    def delete(self):
        raise JournalIsAppendOnly("Le journal ne peut pas être supprimé.")

    def bulk_update(self, *args, **kwargs):
        raise JournalIsAppendOnly("Le journal ne peut pas être modifié.")


class ActorRole(models.TextChoices):
    DOCTOR = "medecin", "médecin"
    ASSISTANT = "assistant", "assistant(e)"
    OPERATOR = "operateur", "opérateur"


def sentence(
    *,
    actor_role: str,
    actor_id: int | None,
    actor_name: str,
    action_label: str,
    is_delegated: bool,
    on_behalf_name: str,
) -> str:
    """An entry in the seed's wording, as a sentence (capital first): « L'assistant(e) X a fait l'action « … » au nom
    du médecin Y ». From the entry's columns, so that a list can write it from the values it read (Entry.sentence)."""
    roles: dict[str, str] = {ActorRole.DOCTOR: "le médecin", ActorRole.OPERATOR: "l'opérateur"}
    who = roles.get(actor_role, "l'assistant(e)")
    if not actor_role and actor_id is None:
        who = ""  # nobody's card: the platform itself (expiry, suspension) or an unknown identity
    text = f"{who} {actor_name} a fait l'action « {action_label} »".lstrip()
    if is_delegated and on_behalf_name:
        text += f" au nom du médecin {on_behalf_name}"
    return text[:1].upper() + text[1:]


# The columns `sentence` is written from, in its arguments' order: a list that reads entries as values reads these
# first, and `sentence_of` writes the sentence of its row.
SENTENCE_COLUMNS = ("actor_role", "actor_id", "actor_name", "action_label", "is_delegated", "on_behalf_name")


def sentence_of(row: Sequence[Any]) -> str:
    """The sentence of a row of values whose first columns are SENTENCE_COLUMNS."""
    return sentence(**dict(zip(SENTENCE_COLUMNS, row, strict=False)))


class Entry(models.Model):
    created_at = models.DateTimeField("date", default=timezone.now, db_index=True)
    action = models.CharField("action", max_length=40, choices=Action.choices)
    # Snapshots: the history must read as it was written, even if a name changes later.
    action_label = models.CharField("libellé de l'action", max_length=200)
    actor = models.ForeignKey(
        "accounts.User", verbose_name="auteur", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField("nom de l'auteur", max_length=300, blank=True)
    actor_role = models.CharField("rôle de l'auteur", max_length=20, choices=ActorRole.choices, blank=True)
    card_type = models.CharField("type de carte", max_length=3, blank=True)
    login_method = models.CharField("méthode de connexion", max_length=40, blank=True)
    auth_mode = models.CharField("mode d'authentification", max_length=40, blank=True)
    on_behalf_of = models.ForeignKey(
        "directory.Professional",
        verbose_name="au nom de",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        # No index of its own: journal_principal_recent starts with it (one index less to write per entry).
        db_index=False,
    )
    on_behalf_name = models.CharField("au nom de (nom)", max_length=300, blank=True)
    is_delegated = models.BooleanField("action déléguée", default=False)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name="dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
        # No index of its own: journal_dossier_recent starts with it (one index less to write per entry).
        db_index=False,
    )
    delegation = models.ForeignKey(
        "delegations.Delegation",
        verbose_name="délégation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
    )
    changes = models.JSONField("changements", default=list, blank=True)
    detail = models.TextField("détail", blank=True)
    # The hash chain (journal/hashing.py, journal/chain.py): the order of the chain is the sequence.
    sequence = models.PositiveBigIntegerField("numéro d'ordre", unique=True, editable=False)
    prev_hash = models.CharField("empreinte précédente", max_length=64, editable=False)
    hash = models.CharField("empreinte", max_length=64, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "-created_at", "-id"], name="journal_dossier_recent"),
            # A dossier's latest change: the consultations (most of a dossier's entries) left out.
            models.Index(
                fields=["dossier", "-created_at", "-id"],
                condition=models.Q(action__in=DOSSIER_CHANGES),
                name="journal_dossier_changes",
            ),
            # A person's last logins (Mon compte): partial, so that the other actions' inserts do not pay for it.
            models.Index(
                fields=["actor", "-created_at", "-id"],
                condition=models.Q(action__in=["login", "login_failed"]),
                name="journal_login_recent",
            ),
            # « Actions faites en mon nom »: a doctor's entries, newest first, without reading the others.
            models.Index(fields=["on_behalf_of", "-created_at", "-id"], name="journal_principal_recent"),
            # The same without the consultations, which the list hides unless asked (and which pile up as delegates
            # open dossiers): its pages and its count walk what they show only; with the actor, to leave out the
            # doctor's own entries without reading the rows (PostgreSQL).
            models.Index(
                fields=["on_behalf_of", "-created_at", "-id"],
                condition=~models.Q(action=Action.DOSSIER_VIEWED),
                include=["actor"],
                name="journal_principal_actions",
            ),
            # And the consultations by delegation alone (the list filtered on « Consultation »): the doctor's own,
            # in his own name too and far more numerous, are not in it to be walked past.
            models.Index(
                fields=["on_behalf_of", "-created_at", "-id"],
                condition=models.Q(action=Action.DOSSIER_VIEWED, is_delegated=True),
                include=["actor"],
                name="journal_delegated_views",
            ),
        ]

    def __str__(self):
        return self.sentence

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise JournalIsAppendOnly("Une entrée du journal ne peut pas être modifiée.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalIsAppendOnly("Une entrée du journal ne peut pas être supprimée.")

    @property
    def sentence(self) -> str:
        return sentence(
            actor_role=self.actor_role,
            actor_id=self.actor_id,
            actor_name=self.actor_name,
            action_label=self.action_label,
            is_delegated=self.is_delegated,
            on_behalf_name=self.on_behalf_name,
        )
