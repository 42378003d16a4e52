"""Reads of delegations, always filtered to the actor."""

import datetime
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils import timezone

from core.prepared import Prepared
from core.text import display_name
from outbox.selectors import latest_by_ref

from .mails import mail_kind
from .models import Delegation, State, person_key
from .policy import BY_NAME_KINDS, FROM_DIRECTORY_KINDS, KINDS

if TYPE_CHECKING:
    from accounts.actor import Actor
    from accounts.models import User
    from directory.models import Professional


def _granted_by(
    *, doctor_id: int, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(doctor=doctor_id)
        .with_status(today=today, now=now)
        .select_related("colleague", "delegate")
        .order_by("-created_at", "-id")
    )


# MES DELEGATIONS reads them on every opening: compiled once (core/prepared.py).
_GRANTED_BY = Prepared(Delegation, _granted_by)


def delegations_granted_by(doctor: "Professional") -> QuerySet[Delegation]:
    """MES DELEGATIONS of one doctor (the caller checked he manages his own)."""
    return _granted_by(doctor_id=doctor.pk)


def without_replaced(rows: list[Delegation], keys: "Callable[[Delegation], Iterable[object]]") -> list[Delegation]:
    """The rows but those ended and followed by a newer one sharing a key: inviting someone again replaces his ended
    rows in the lists (they stay on the detail page, `earlier_delegations`, and in the journal). A live row, pending or
    in force, always shows: hiding it would hide what the delegate may still do. Order kept."""
    seen: set[object] = set()
    kept = set()
    for delegation in sorted(rows, key=lambda d: (d.created_at, d.pk), reverse=True):
        own = set(keys(delegation))
        if delegation.is_live or not own & seen:
            kept.add(delegation.pk)
        seen |= own
    return [d for d in rows if d.pk in kept]


def latest_per_person(rows: list[Delegation]) -> list[Delegation]:
    """A doctor's delegations, an ended one hidden once the same person (`Delegation.person`) has a newer one."""
    return without_replaced(rows, lambda delegation: delegation.person)


def earlier_delegations(delegation: Delegation) -> list[Delegation]:
    """The same doctor's older delegations to the same person, newest first."""
    # By the doctor's id (same_person): the delegation was read among his own, and his row is not needed here.
    return list(
        Delegation.objects.filter(delegation.same_person())
        .with_status()
        .filter(created_at__lte=delegation.created_at)
        .exclude(pk=delegation.pk)
        .order_by("-created_at", "-id")
    )


def live_delegation_to(
    doctor: "Professional", *, colleague: "Professional | None" = None, kind: str = "", email: str = ""
) -> Delegation | None:
    """The doctor's live delegation (pending or accepted, not past its end) to this person, if any: a colleague by his
    directory entry (whatever the kind: one live delegation per doctor and colleague), a person invited by name by
    the address he was invited at for that kind. There is at most one: modify it instead of adding another."""
    live = Delegation.objects.current().filter(doctor=doctor).with_status()
    if colleague is not None:
        return live.filter(colleague=colleague).select_related("colleague").first()
    return live.filter(kind=kind, invited_email__iexact=email).first() if email else None


def granted_sections(doctor: "Professional") -> dict[str, Any]:
    rows = latest_per_person(_GRANTED_BY.fetch(doctor_id=doctor.pk, today=timezone.localdate(), now=timezone.now()))
    # The delivery state of each delegation's latest mail, from the outbox (one query).
    mails = latest_by_ref([f"delegation:{d.pk}" for d in rows])
    for delegation in rows:
        mail = mails.get(f"delegation:{delegation.pk}")
        delegation.last_mail = mail  # type: ignore[attr-defined]  # for the template
        delegation.last_mail_kind = mail_kind(mail) if mail else ""  # type: ignore[attr-defined]
    return {
        # One section per kind of the policy, in its order.
        "sections": [
            {"kind": kind, "rows": [d for d in rows if d.kind == kind.kind and d.state != State.DELETED]}
            for kind in KINDS.values()
        ],
        "deleted": [d for d in rows if d.state == State.DELETED],
    }


def _received_by(
    *,
    user_id: int,
    professional_id: int | None = None,
    key: str | None = None,
    email: str | None = None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Delegation]:
    addressed = Q(delegate=user_id)
    if professional_id is not None:
        addressed |= Q(state=State.PENDING, kind__in=FROM_DIRECTORY_KINDS, colleague=professional_id)
    if email is not None:
        # Pending assistant invitations show here for the invited name at the invited address only. The address
        # compared as iexact does on PostgreSQL, UPPER() of both: the value is bound as it is (on SQLite iexact is a
        # LIKE, whose « _ » and « % » Django escapes in the value), so the statement is compiled once.
        addressed |= Q(
            Exact(Upper("invited_email"), Upper(Value(email))),
            state=State.PENDING,
            kind__in=BY_NAME_KINDS,
            invited_key=key,
        )
    return (
        Delegation.objects.filter(addressed)
        .exclude(state=State.DELETED)
        .with_status(today=today, now=now)
        .select_related("doctor")
        .annotate(
            pending_first=Case(When(state=State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("pending_first", "-created_at")
    )


# « Délégations reçues » on every opening: compiled once per kind of reader (core/prepared.py).
_RECEIVED_BY = Prepared(Delegation, _received_by)


def _received_values(actor: "Actor") -> dict[str, Any]:
    user = cast("User", actor.user)  # the page asks for a login
    values: dict[str, Any] = {"user_id": user.pk}
    if actor.professional is not None:
        values["professional_id"] = actor.professional.pk
    if user.email:
        values.update(key=person_key(user.first_name, user.last_name), email=user.email)
    return values


def received_by(actor: "Actor") -> QuerySet[Delegation]:
    """Delegations given to the actor, and pending invitations addressed to him (pending first)."""
    return _received_by(**_received_values(actor))


def received_rows(actor: "Actor") -> list[Delegation]:
    """« Délégations reçues », pending first: every row is the actor's, so a doctor's new invitation replaces his
    ended ones (`without_replaced`); a live one always shows."""
    rows = _RECEIVED_BY.fetch(**_received_values(actor), today=timezone.localdate(), now=timezone.now())
    return without_replaced(rows, lambda delegation: [delegation.doctor_id])


# The delegate filter of « Actions faites en mon nom », on each of its pages: compiled once (core/prepared.py).
_DELEGATES = Prepared(
    Delegation,
    lambda *, doctor_id: (
        Delegation.objects.filter(doctor=doctor_id, delegate__isnull=False)
        .values_list("delegate_id", "delegate__first_name", "delegate__last_name")
        .order_by()
        .distinct()
    ),
)


def delegates_of(doctor: "Professional") -> list[tuple[int, str]]:
    """(user id, name) of each person the doctor ever delegated to who answered (past delegations included), by name;
    one row per person whatever the number of his delegations."""
    seen = {user_id: display_name(first, last) for user_id, first, last in _DELEGATES.fetch(doctor_id=doctor.pk)}
    return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))
