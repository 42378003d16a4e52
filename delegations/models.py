"""Delegations of rights: a doctor lets an assistant or a colleague work on his dossiers."""

import datetime
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from core.prepared import Prepared
from core.text import normalize, of

from . import policy
from .policy import RIGHTS, Kind, Right  # declared in the policy; the rest of the code reads them from here too

INVITATION_VALIDITY = datetime.timedelta(days=settings.INVITATION_VALIDITY_DAYS)


class State(models.TextChoices):
    PENDING = "en_attente", "En attente"
    ACCEPTED = "acceptee", "Acceptée"
    REFUSED = "refusee", "Refusée"
    DELETED = "supprimee", "Supprimée"
    EXPIRED = "expiree", "Expirée"
    # Terminal, like Supprimée: the delegate or the doctor left the national directory. Nothing brings it back;
    # the doctor invites again once the person is back.
    SUSPENDED = "suspendue", "Suspendue"


LIVE_STATES = [State.PENDING, State.ACCEPTED]


class Status(models.TextChoices):
    """What the screens show: the stored state as it is today, with two cases told apart that the stored state
    does not (see `DelegationQuerySet.with_status`, the one place that derives them)."""

    PENDING = State.PENDING.value, State.PENDING.label
    INVITATION_EXPIRED = "invitation_expiree", "Invitation expirée"  # pending, no usable link left
    UPCOMING = "a_venir", "À venir"  # accepted, starts later
    ACCEPTED = State.ACCEPTED.value, State.ACCEPTED.label  # accepted and in force today
    REFUSED = State.REFUSED.value, State.REFUSED.label
    DELETED = State.DELETED.value, State.DELETED.label
    EXPIRED = State.EXPIRED.value, State.EXPIRED.label
    SUSPENDED = State.SUSPENDED.value, State.SUSPENDED.label


# One DSFR badge per status; none reuses the dossier's « En cours de saisie » (fr-badge--new).
STATUS_BADGES = {
    Status.PENDING: "fr-badge--info",
    Status.INVITATION_EXPIRED: "fr-badge--yellow-moutarde",
    Status.UPCOMING: "fr-badge--blue-ecume",
    Status.ACCEPTED: "fr-badge--success",
    Status.REFUSED: "fr-badge--error",
    Status.DELETED: "fr-badge--no-icon",
    Status.EXPIRED: "fr-badge--beige-gris-galet",
    Status.SUSPENDED: "fr-badge--warning",
}

# Still running or to come: the doctor may modify it. Awaiting an answer: he may send the invitation again.
LIVE_STATUSES = [Status.PENDING, Status.INVITATION_EXPIRED, Status.UPCOMING, Status.ACCEPTED]
AWAITING_ANSWER = [Status.PENDING, Status.INVITATION_EXPIRED]

# Ended: the doctor may « Renouveler » (a new invitation to the same person, with the same rights).
RENEWABLE = [Status.REFUSED, Status.EXPIRED, Status.DELETED]


def person_key(first_name: str, last_name: str) -> str:
    """Who an assistant's invitation is for: « Prénom Nom », accents, case and punctuation ignored."""
    return normalize(f"{first_name} {last_name}")


def _ended(today: datetime.date) -> Q:
    """Live in the database but past its end date: expired from that day on, for the screens and the services alike
    (the daily `expire_delegations` only stores it)."""
    return Q(state__in=LIVE_STATES, ends_on__lt=today)


def _in_force(today: datetime.date) -> Q:
    return Q(Q(ends_on__isnull=True) | Q(ends_on__gte=today), state=State.ACCEPTED, starts_on__lte=today)


class DelegationQuerySet(models.QuerySet):
    def live(self) -> Self:
        """Live as stored (the daily command's input); what is live today is `current()`."""
        return self.filter(state__in=LIVE_STATES)

    def current(self, today=None) -> Self:
        """Pending or accepted, not past its end date: the delegation to modify rather than add another."""
        return self.live().exclude(_ended(today or timezone.localdate()))

    def in_force(self, today=None):
        """Accepted and within its dates: the only delegations that give anything. Written here only: a delegate's
        every request reads the SQL Django compiles from it (`delegation_in_force_between`, below)."""
        return self.filter(_in_force(today or timezone.localdate()))

    def with_status(self, today=None, now=None) -> Self:
        """Each row's `Status` (read through `Delegation.status`), decided here only, in the query: « Acceptée » is
        exactly `in_force()` (the delegate's « Agir au nom de » is offered on it), « Invitation expirée » a pending
        delegation without a `usable()` link (the one an answer needs)."""
        today = today or timezone.localdate()
        usable_link = Exists(Invitation.objects.usable(now=now).filter(delegation=OuterRef("pk")))
        return self.annotate(
            shown_status=Case(
                When(_ended(today), then=Value(Status.EXPIRED.value)),
                When(_in_force(today), then=Value(Status.ACCEPTED.value)),
                When(state=State.ACCEPTED, then=Value(Status.UPCOMING.value)),
                When(Q(state=State.PENDING) & ~usable_link, then=Value(Status.INVITATION_EXPIRED.value)),
                default=F("state"),
                output_field=models.CharField(),
            )
        )


class Delegation(models.Model):
    doctor = models.ForeignKey(
        "directory.Professional", verbose_name="médecin délégant", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    # Who is invited: an assistant by name and address, a colleague by his directory entry.
    invited_first_name = models.CharField("prénom", max_length=100, blank=True)
    invited_last_name = models.CharField("nom", max_length=100, blank=True)
    invited_email = models.EmailField("adresse électronique")
    # person_key(): who may answer an assistant's invitation, and how we find it for him.
    invited_key = models.CharField(max_length=220, blank=True, db_index=True, editable=False)
    colleague = models.ForeignKey(
        "directory.Professional",
        verbose_name="confrère",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Bound at acceptance to the card holder who accepted.
    delegate = models.ForeignKey(
        "accounts.User", verbose_name="délégataire", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # One boolean column per right of the policy (delegations/policy.py): can_consult, can_create, can_edit…
    # A class body's namespace is a plain dict: the model sees them as if written out here.
    for _right in RIGHTS.values():
        vars()[_right.field] = models.BooleanField(_right.label, default=_right.default)
    del _right
    starts_on = models.DateField("date de début")
    ends_on = models.DateField("date de fin", null=True, blank=True)
    state = models.CharField("état", max_length=12, choices=State.choices, default=State.PENDING)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)
    deleted_at = models.DateTimeField("supprimée le", null=True, blank=True)
    reminder_sent_on = models.DateField("rappel de fin envoyé le", null=True, blank=True)
    suspended_at = models.DateTimeField("suspendue le", null=True, blank=True)
    suspension_reason = models.CharField("motif de la suspension", max_length=300, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = "délégation"
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one live delegation per (doctor, delegate): modify it instead.
            models.UniqueConstraint(
                fields=["doctor", "colleague"], condition=Q(state__in=LIVE_STATES), name="one_live_per_colleague"
            ),
            models.UniqueConstraint(
                fields=["doctor", "delegate"], condition=Q(state__in=LIVE_STATES), name="one_live_per_delegate"
            ),
            models.CheckConstraint(condition=~Q(doctor=models.F("colleague")), name="no_delegation_to_oneself"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="ends_after_start"
            ),
            # Only an answer binds a delegate: an accepted delegation always has one.
            models.CheckConstraint(
                condition=~Q(state="acceptee") | Q(delegate__isnull=False), name="accepted_has_delegate"
            ),
            # Which kinds hold which rights, the implied rights, the directory entry of the kinds chosen there.
            *policy.constraints(),
        ]
        indexes = [models.Index(fields=["delegate", "doctor", "state"], name="delegation_in_force")]

    def __str__(self):
        return f"Délégation {of(self.doctor.display_name)} à {self.delegate_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.invited_key = person_key(self.invited_first_name, self.invited_last_name)
        for field, value in policy.normalize(self.rights).items():
            setattr(self, field, value)
        super().save(*args, **kwargs)

    @property
    def delegate_name(self) -> str:
        if self.colleague_id and self.colleague:  # the kinds chosen from the directory (a database constraint)
            return self.colleague.display_name
        return f"{self.invited_first_name} {self.invited_last_name.upper()}".strip()

    @property
    def effective_state(self) -> str:
        """The state as it is today: a live delegation past its end date is expired (`status`, hence `_ended`)."""
        return State.EXPIRED if self.status == Status.EXPIRED else self.state

    @property
    def status(self) -> Status:
        """What the screens show (`DelegationQuerySet.with_status`); read again when the row was not loaded with it."""
        shown: str | None = getattr(self, "shown_status", None)
        if shown is None:
            shown = getattr(Delegation.objects.with_status().get(pk=self.pk), "shown_status")  # noqa: B009
            setattr(self, "shown_status", shown)  # noqa: B010
        return Status(shown)

    def get_status_display(self) -> str:
        return self.status.label

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def awaits_answer(self) -> bool:
        return self.status in AWAITING_ANSWER

    @property
    def is_renewable(self) -> bool:
        return self.status in RENEWABLE

    @property
    def renew_url(self) -> str:
        """« Renouveler »: the page adding this kind, prefilled from this delegation (same person, rights)."""
        kind = policy.KINDS[Kind(self.kind)]
        chosen = f"&selectionne={self.colleague_id}" if kind.invitee == policy.FROM_DIRECTORY else ""
        return f"{kind.add_url}{chosen}&renouveler={self.pk}"

    @property
    def person(self) -> set[tuple[object, ...]]:
        """Who the delegation is for, across invitations: the account that accepted it, the colleague's directory
        entry, the address a kind was invited at (the keys of « one live delegation per person »: the unique
        constraints, `live_delegation_to`). Two delegations of one doctor are to the same person when they share
        one; `same_person` is the same rule in a query."""
        keys: set[tuple[object, ...]] = {("email", self.kind, self.invited_email.lower())}
        if self.delegate_id:
            keys.add(("delegate", self.delegate_id))
        if self.colleague_id:
            keys.add(("colleague", self.colleague_id))
        return keys

    def same_person(self) -> Q:
        """The doctor's delegations to the person of this one (`person`)."""
        same = Q(kind=self.kind, invited_email__iexact=self.invited_email)
        if self.delegate_id:
            same |= Q(delegate=self.delegate_id)
        if self.colleague_id:
            same |= Q(colleague=self.colleague_id)
        return Q(same, doctor=self.doctor_id)

    @property
    def rights(self) -> list[Right]:
        return [right for right, p in RIGHTS.items() if getattr(self, p.field)]

    def rights_labels(self) -> list[str]:
        return [RIGHTS[r].label for r in self.rights]

    def has_right(self, right: Right) -> bool:
        return getattr(self, RIGHTS[right].field)


def _in_force_between(*, delegate_id: int, doctor_id: int, today: datetime.date) -> "DelegationQuerySet":
    # At most one row: one live delegation per doctor and delegate (unique constraint).
    return (
        Delegation.objects.in_force(today=today)
        .filter(delegate_id=delegate_id, doctor_id=doctor_id, doctor__is_active=True)
        .select_related("doctor")
        .order_by()
    )


_IN_FORCE_BETWEEN = Prepared(Delegation, _in_force_between)


def delegation_in_force_between(*, delegate_id: int, doctor_id: int, today=None) -> Delegation | None:
    """What `Delegation.objects.in_force().filter(delegate=…, doctor=…, doctor__is_active=True)` finds, with its
    doctor loaded, or None.

    A delegate's every request asks this (a withdrawn or expired delegation must end at once): its SQL is compiled
    once (core/prepared.py). tests/delegations/test_in_force.py checks it finds what in_force() finds, on every
    state and date case.
    """
    return _IN_FORCE_BETWEEN.first(delegate_id=delegate_id, doctor_id=doctor_id, today=today or timezone.localdate())


class InvitationQuerySet(models.QuerySet):
    def open(self) -> Self:
        """Neither used nor revoked (it may have expired)."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)

    def usable(self, now=None) -> Self:
        return self.open().filter(expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A single-use link, bound to one delegation; only the token's hash is stored."""

    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"

    def __str__(self):
        return f"Invitation {self.pk} de la délégation {self.delegation_id}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()
