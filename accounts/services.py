"""Login, logout and card state changes. Every change is journaled in the same transaction."""

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from core.text import of, strip_controls
from directory.models import Professional
from journal.models import Action
from journal.services import record

from .actor import (
    SESSION_ACTING_FOR,
    SESSION_AUTH_MODE,
    SESSION_CARD_TYPE,
    SESSION_LOGIN_METHOD,
    SESSION_OPERATOR,
    Actor,
    operator_fields,
)
from .models import Card, CardType, User

DEMO_METHOD = "demo"


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    message: str = ""


def operator_contact() -> str:
    """How to reach the platform's operator, as configured: « par courriel à …, ou par téléphone au … »; "" when
    neither SUPPORT_EMAIL nor SUPPORT_PHONE is set."""
    ways = []
    if settings.SUPPORT_EMAIL:
        ways.append(f"par courriel à {settings.SUPPORT_EMAIL}")
    if settings.SUPPORT_PHONE:
        ways.append(f"par téléphone au {settings.SUPPORT_PHONE}")
    return " ou ".join(ways)


def card_blocked_message(maximum: int, *, just_now: bool = False) -> str:
    """Said when a card is (or has just been) blocked: why, and whom to ask to unblock it."""
    contact = operator_contact()
    how = f"contactez l'opérateur de la plateforme {contact}" if contact else "contactez l'opérateur de la plateforme"
    blocked = (
        f"Code PIN incorrect. Votre carte est maintenant bloquée après {maximum} codes PIN erronés."
        if just_now
        else f"Cette carte est bloquée après {maximum} codes PIN erronés."
    )
    return f"{blocked} Pour la faire débloquer, {how}."


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
        return card, PinCheck(False, card_blocked_message(maximum))
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
        return card, PinCheck(False, card_blocked_message(maximum, just_now=True))
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

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refusal_for(professional: Professional | None) -> str:
    """Why the person of this directory entry may not be logged in ("" if he may)."""
    if professional is not None and not professional.is_active:
        return INACTIVE_IN_DIRECTORY
    return ""


def login_refusal(user: object) -> str:
    """THE rule every login method (complete_login) and every request (ActorMiddleware) share."""
    return refusal_for(getattr(user, "professional", None))


def complete_login(request: HttpRequest, *, user: User, card_type: str, method: str, auth_mode: str = "") -> None:
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


def _open_session(request: HttpRequest, actor: Actor) -> None:
    user, card_type, method, auth_mode = actor.user, actor.card_type, actor.login_method, actor.auth_mode
    django_login(request, user, backend="accounts.backends.UserBackend")  # type: ignore[arg-type]  # a card holder, never anonymous
    request.session[SESSION_CARD_TYPE] = card_type
    request.session[SESSION_LOGIN_METHOD] = method
    request.session[SESSION_AUTH_MODE] = auth_mode
    request.session.pop(SESSION_ACTING_FOR, None)
    request.session.pop(SESSION_OPERATOR, None)  # a card session never opens the admin
    record(action=Action.LOGIN, **actor.journal_fields())


@transaction.atomic
def end_refused_session(*, request: HttpRequest, actor: Actor, refusal: str) -> None:
    """A person who may no longer be logged in (his directory entry became inactive): the session ends at his next
    request, journaled, and the next page tells him why."""
    record(action=Action.LOGOUT, **actor.journal_fields(), detail="session fermée : inscription à l'annuaire inactive")
    django_logout(request)
    messages.error(request, refusal)


def logout(request: HttpRequest) -> None:
    actor = getattr(request, "actor", None)
    if actor is not None and actor.is_authenticated:
        record(action=Action.LOGOUT, **actor.journal_fields())
    django_logout(request)


@transaction.atomic
def unblock_card(*, card: Card, operator: User | None = None) -> Card:
    """Unblock a card; `operator` is the operator's user (the admin) or None (the command unblock_card)."""
    card = Card.objects.select_for_update(of=("self",)).select_related("holder").get(pk=card.pk)
    card.is_blocked = False
    card.blocked_at = None
    card.failed_attempts = 0
    card.save(update_fields=["is_blocked", "blocked_at", "failed_attempts"])
    if operator is not None:
        fields = operator_fields(operator)
        detail = f"carte {card.card_type} n° {card.number} {of(card.holder.display_name)} débloquée par l'opérateur"
    else:
        fields = _card_actor(card, "").journal_fields()
        detail = "débloquée par la commande unblock_card"
    record(action=Action.CARD_UNBLOCKED, **fields, detail=detail)
    return card


class IdentityError(Exception):
    """A correction refused: the message says why, in French."""


UNCHANGED = object()


@transaction.atomic
def correct_identity(
    *,
    operator: User | None,
    user: User,
    reason: str,
    identifier: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    professional: Professional | None | object = UNCHANGED,
    cards: dict[Any, dict[str, Any]] | None = None,
) -> User:
    """Correct who a person is: national identifier, names, directory entry, cards' type and number.

    The only way to do so (the admin shows these fields read-only). The operator must be an active operator allowed
    to change users, and give a reason; the journal gets one entry with every field before → after and the reason.
    The person's sessions end everywhere: his session hash covers his identity (User._get_session_auth_hash) and his
    password is withdrawn (a card holder's unusable one drawn again, which ends them when only a card changed; an
    operator's own, who then sets a new one). `cards` maps a card's id to
    {"card_type": …, "number": …}.
    """
    if operator is None or not (operator.is_active and operator.is_staff and operator.has_perm("accounts.change_user")):
        raise IdentityError("Seul un opérateur habilité peut corriger une identité.")
    reason = (reason or "").strip()
    if not reason:
        raise IdentityError("Indiquez le motif de la correction (pièce justificative, demande de la personne…).")
    person = User.objects.select_for_update(of=("self",)).select_related("professional").get(pk=user.pk)
    if (person.is_staff or person.is_superuser) and not operator.is_superuser:
        raise IdentityError("Seul un administrateur (superutilisateur) peut corriger l'identité d'un opérateur.")
    changes: list[dict[str, Any]] = []

    def change(obj: Model, field: str, new: object, label_obj: object = None) -> None:
        old = getattr(obj, field)
        if new is None or new is UNCHANGED or new == old:
            return
        setattr(obj, field, new)
        label = str(obj._meta.get_field(field.removesuffix("_id")).verbose_name)  # type: ignore[union-attr]
        if label_obj is not None:
            label = f"{label} ({label_obj})"
        changes.append({"field": field, "label": label, "old": _text(old), "new": _text(new)})

    new_identifier = strip_controls(identifier) if identifier else None
    if (
        new_identifier
        and new_identifier != person.identifier
        and Professional.objects.filter(national_id=new_identifier).exists()
    ):
        # A national identifier of the directory is given by the card itself, never by an operator: otherwise two
        # corrections (take it from its holder, then give it to someone else) would hand a doctor's identity, his
        # directory entry and so his patients to another person.
        raise IdentityError(
            f"L'identifiant national {new_identifier} est celui d'un professionnel de l'annuaire : il ne s'attribue "
            "pas par une correction. La personne se connecte avec sa propre carte, qui porte son identifiant."
        )
    change(person, "identifier", new_identifier)
    change(person, "first_name", strip_controls(first_name) if first_name is not None else None)
    change(person, "last_name", strip_controls(last_name) if last_name is not None else None)
    if professional is not UNCHANGED:
        professional = cast(Professional | None, professional)
        old = person.professional
        if (old.pk if old else None) != (professional.pk if professional else None):
            person.professional = professional
            changes.append(
                {
                    "field": "professional",
                    "label": "fiche de l'annuaire",
                    "old": f"{old.national_id} — {old.display_name}" if old else "",
                    "new": f"{professional.national_id} — {professional.display_name}" if professional else "",
                }
            )
    if person.professional is not None:
        if person.professional.national_id != person.identifier:
            raise IdentityError(
                "La fiche de l'annuaire doit porter le même identifiant national que la personne "
                f"({person.identifier}) : corrigez d'abord l'identifiant national."
            )
        holder = User.objects.filter(professional=person.professional).exclude(pk=person.pk).first()
        if holder is not None:
            raise IdentityError(
                f"Cette fiche de l'annuaire est déjà celle de {holder.display_name} ({holder.identifier}) : "
                "corrigez d'abord son identité."
            )
    if User.objects.filter(identifier=person.identifier).exclude(pk=person.pk).exists():
        raise IdentityError(f"L'identifiant national {person.identifier} est déjà celui d'une autre personne.")
    card_rows = []
    for card_id, values in (cards or {}).items():
        card = Card.objects.select_for_update(of=("self",)).filter(pk=card_id, holder=person).first()
        if card is None:
            raise IdentityError("Cette carte n'appartient pas à la personne dont vous corrigez l'identité.")
        shown = f"carte n° {card.number}"
        change(card, "card_type", values.get("card_type"), shown)
        change(card, "number", values.get("number"), shown)
        if card.card_type not in CardType.values:
            raise IdentityError("Type de carte inconnu : choisissez CPS, CPF, CPE ou CPA.")
        if card.card_type in (CardType.CPS, CardType.CPF) and person.professional is None:
            raise IdentityError(
                "Une carte CPS ou CPF est celle d'un professionnel de santé : rattachez d'abord la personne à sa "
                "fiche de l'annuaire."
            )
        if Card.objects.filter(number=card.number).exclude(pk=card.pk).exists():
            raise IdentityError(f"Le numéro de carte {card.number} est déjà celui d'une autre carte.")
        card_rows.append(card)
    if not changes:
        raise IdentityError("Aucune correction : l'identité est déjà celle-ci.")
    # Ends every session of the person, on every instance (with the identity in the session hash).
    person.set_unusable_password()
    person.save()
    for card in card_rows:
        card.save(update_fields=["card_type", "number"])
    record(
        action=Action.IDENTITY_CORRECTED,
        **operator_fields(operator),
        changes=changes,
        detail=f"identité {of(person.display_name)} ({person.identifier}) corrigée ; motif : {reason}",
    )
    return person


def _text(value: object) -> str:
    return "" if value is None else str(value)
