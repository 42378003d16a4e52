"""Login, logout and card state changes. Every change is journaled in the same transaction."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.utils import timezone

from journal.models import Action
from journal.services import record

from .actor import SESSION_ACTING_FOR, SESSION_AUTH_MODE, SESSION_CARD_TYPE, SESSION_LOGIN_METHOD, Actor
from .models import Card

DEMO_METHOD = "demo"


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    message: str = ""


def _card_actor(card: Card, method: str) -> Actor:
    return Actor(user=card.holder, card_type=card.card_type, login_method=method)


@transaction.atomic
def check_card_pin(*, card_id: int, pin: str, method: str = DEMO_METHOD) -> tuple[Card | None, PinCheck]:
    """What a CPx card does with a PIN: accept, count a failure, or block at the last attempt."""
    card = (
        Card.objects.select_for_update(of=("self",))
        .select_related("holder", "holder__professional")
        .filter(pk=card_id)
        .first()
    )
    if card is None or not card.holder.is_active:
        return None, PinCheck(False, "Carte inconnue.")
    maximum = settings.CARD_MAX_PIN_ATTEMPTS
    if card.is_blocked:
        return card, PinCheck(
            False,
            f"Cette carte est bloquée après {maximum} codes PIN erronés. "
            "Contactez l'opérateur de la plateforme pour la faire débloquer.",
        )
    if card.is_expired:
        record(action=Action.LOGIN_FAILED, **_card_actor(card, method).journal_fields(), detail="carte expirée")
        return card, PinCheck(
            False, f"Cette carte a expiré le {card.expires_on:%d/%m/%Y} : elle ne permet plus de se connecter."
        )
    if card.check_pin(pin):
        if card.failed_attempts:
            card.failed_attempts = 0
            card.save(update_fields=["failed_attempts"])
        return card, PinCheck(True)
    card.failed_attempts += 1
    fields = _card_actor(card, method).journal_fields()
    if card.failed_attempts >= maximum:
        card.is_blocked = True
        card.blocked_at = timezone.now()
        card.save(update_fields=["failed_attempts", "is_blocked", "blocked_at"])
        record(action=Action.CARD_BLOCKED, **fields, detail=f"{maximum} codes PIN erronés")
        return card, PinCheck(
            False,
            f"Code PIN incorrect. Votre carte est maintenant bloquée après {maximum} codes PIN erronés. "
            "Contactez l'opérateur de la plateforme pour la faire débloquer.",
        )
    card.save(update_fields=["failed_attempts"])
    record(action=Action.LOGIN_FAILED, **fields, detail="code PIN erroné")
    left = maximum - card.failed_attempts
    return card, PinCheck(
        False,
        f"Code PIN incorrect. Il vous reste {left} essai{'s' if left > 1 else ''} avant le blocage de la carte.",
    )


# Said to a professional whose directory entry is inactive (struck off, retired, deceased), at login and when his
# session in progress ends.
INACTIVE_IN_DIRECTORY = (
    "Votre inscription à l'annuaire national des professionnels de santé n'est plus active : vous ne pouvez plus "
    "vous connecter à l'espace médecins, et les délégations de droits qui vous concernent sont suspendues. "
    "S'il s'agit d'une erreur, rapprochez-vous de votre ordre professionnel : vous pourrez vous connecter de nouveau "
    "dès que l'annuaire vous comptera de nouveau parmi ses inscrits."
)


class LoginRefused(Exception):
    """The person may not log in; the message is French and says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def refusal_for(professional) -> str:
    """Why the person of this directory entry may not be logged in ("" if he may)."""
    if professional is not None and not professional.is_active:
        return INACTIVE_IN_DIRECTORY
    return ""


def login_refusal(user) -> str:
    """THE rule every login method (complete_login) and every request (ActorMiddleware) share."""
    return refusal_for(getattr(user, "professional", None))


def complete_login(request, *, user, card_type: str, method: str, auth_mode: str = "") -> None:
    """Open the session (the key rotates: no session fixation) and journal the login.

    Raises LoginRefused (the refusal journaled as LOGIN_FAILED) for a person who may no longer log in, whatever
    the login method.
    """
    actor = Actor(user=user, card_type=card_type, login_method=method, auth_mode=auth_mode)
    refusal = login_refusal(user)
    if refusal:
        with transaction.atomic():
            record(action=Action.LOGIN_FAILED, **actor.journal_fields(), detail="inscription à l'annuaire inactive")
        raise LoginRefused(refusal)
    with transaction.atomic():
        _open_session(request, actor)


def _open_session(request, actor: Actor) -> None:
    user, card_type, method, auth_mode = actor.user, actor.card_type, actor.login_method, actor.auth_mode
    django_login(request, user, backend="accounts.backends.UserBackend")
    request.session[SESSION_CARD_TYPE] = card_type
    request.session[SESSION_LOGIN_METHOD] = method
    request.session[SESSION_AUTH_MODE] = auth_mode
    request.session.pop(SESSION_ACTING_FOR, None)
    record(action=Action.LOGIN, **actor.journal_fields())


@transaction.atomic
def end_refused_session(request, actor: Actor, refusal: str) -> None:
    """A person who may no longer be logged in (his directory entry became inactive): the session ends at his next
    request, journaled, and the next page tells him why."""
    record(action=Action.LOGOUT, **actor.journal_fields(), detail="session fermée : inscription à l'annuaire inactive")
    django_logout(request)
    messages.error(request, refusal)


def logout(request) -> None:
    actor = getattr(request, "actor", None)
    if actor is not None and actor.is_authenticated:
        record(action=Action.LOGOUT, **actor.journal_fields())
    django_logout(request)


@transaction.atomic
def unblock_card(*, card: Card, operator=None) -> Card:
    card = Card.objects.select_for_update().get(pk=card.pk)
    card.is_blocked = False
    card.blocked_at = None
    card.failed_attempts = 0
    card.save(update_fields=["is_blocked", "blocked_at", "failed_attempts"])
    record(
        action=Action.CARD_UNBLOCKED,
        **_card_actor(card, "").journal_fields(),
        detail=f"débloquée par {operator}" if operator else "débloquée par l'opérateur",
    )
    return card
