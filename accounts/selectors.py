"""Reads of a person's own account (Mon compte): always the logged-in user's, never another's."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from journal.models import Action
from journal.selectors import recent_logins

from .methods import configured_methods
from .models import Card, User

if TYPE_CHECKING:
    from directory.models import PracticePlace, Professional
    from journal.models import Entry

LAST_LOGINS = 10


@dataclass(frozen=True)
class Login:
    at: datetime.datetime
    method: str
    card_type: str
    succeeded: bool
    detail: str


@dataclass(frozen=True)
class Account:
    user: User
    cards: list[Card]
    professional: "Professional | None"
    places: list["PracticePlace"]
    logins: list[Login]


def method_label(key: str) -> str:
    """The login method's French name (« Pro Santé Connect »), or its key if it is no longer configured."""
    return next((method.label for method in configured_methods() if method.key == key), key)


def _login(entry: "Entry") -> Login:
    return Login(
        at=entry.created_at,
        method=method_label(entry.login_method),
        card_type=entry.card_type,
        succeeded=entry.action == Action.LOGIN,
        detail=entry.detail,
    )


def own_cards(user: User) -> QuerySet[Card]:
    return Card.objects.filter(holder=user).order_by("card_type", "number")


def own_account(user: User) -> Account:
    """What Mon compte shows: the user's cards, his directory entry and places, his last logins (bounded)."""
    professional = user.professional
    places = list(professional.places.order_by("postal_code", "structure_name", "id")) if professional else []
    return Account(
        user=user,
        cards=list(own_cards(user)),
        professional=professional,
        places=places,
        logins=[_login(entry) for entry in recent_logins(user.pk, limit=LAST_LOGINS)],
    )
