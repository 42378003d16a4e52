"""Reads of delegations, always filtered to the actor."""

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from outbox.selectors import latest_by_ref

from .models import Delegation, State, person_key
from .policy import BY_NAME_KINDS, FROM_DIRECTORY_KINDS, KINDS

if TYPE_CHECKING:
    from accounts.actor import Actor
    from accounts.models import User
    from directory.models import Professional


def delegations_granted_by(doctor: "Professional") -> QuerySet[Delegation]:
    """MES DELEGATIONS of one doctor (the caller checked he manages his own)."""
    return (
        Delegation.objects.filter(doctor=doctor).select_related("colleague", "delegate").order_by("-created_at", "-id")
    )


def granted_sections(doctor: "Professional") -> dict[str, Any]:
    rows = list(delegations_granted_by(doctor))
    # The delivery state of each delegation's latest mail, from the outbox (one query).
    mails = latest_by_ref([f"delegation:{d.pk}" for d in rows])
    for delegation in rows:
        delegation.last_mail = mails.get(  # type: ignore[attr-defined]  # for the template
            f"delegation:{delegation.pk}"
        )
    return {
        # One section per kind of the policy, in its order.
        "sections": [
            {"kind": kind, "rows": [d for d in rows if d.kind == kind.kind and d.state != State.DELETED]}
            for kind in KINDS.values()
        ],
        "deleted": [d for d in rows if d.state == State.DELETED],
    }


def received_by(actor: "Actor") -> QuerySet[Delegation]:
    """Delegations given to the actor, and pending invitations addressed to him (pending first)."""
    user = cast("User", actor.user)  # the page asks for a login
    addressed = Q(delegate=user)
    if actor.professional is not None:
        addressed |= Q(state=State.PENDING, kind__in=FROM_DIRECTORY_KINDS, colleague=actor.professional)
    if user.email:
        # Pending assistant invitations show here for the invited name at the invited address only.
        addressed |= Q(
            state=State.PENDING,
            kind__in=BY_NAME_KINDS,
            invited_key=person_key(user.first_name, user.last_name),
            invited_email__iexact=user.email,
        )
    return (
        Delegation.objects.filter(addressed)
        .exclude(state=State.DELETED)
        .select_related("doctor")
        .annotate(
            pending_first=Case(When(state=State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("pending_first", "-created_at")
    )


def delegates_of(doctor: "Professional") -> list[tuple[int, str]]:
    """(user id, name) of each person the doctor ever delegated to who answered (past delegations included), by name;
    one row per person whatever the number of his delegations."""
    seen: dict[int, str] = {}
    for delegation in Delegation.objects.filter(doctor=doctor, delegate__isnull=False).select_related(
        "colleague", "delegate"
    ):
        seen.setdefault(cast(int, delegation.delegate_id), delegation.delegate.display_name)  # type: ignore[union-attr]  # filtered: a delegate
    return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))
