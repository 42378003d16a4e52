"""Who is acting, with which card, and on whose behalf: resolved once per request."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from journal.models import ActorRole

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from directory.models import Professional

    from .models import User

SESSION_CARD_TYPE = "card_type"
SESSION_LOGIN_METHOD = "login_method"
SESSION_AUTH_MODE = "auth_mode"
# Set by the delegations app when a delegate chooses « Agir au nom de » a doctor.
SESSION_ACTING_FOR = "acting_for_professional_id"
# Set only by the operators' login (accounts/admin_site.py): the admin opens to no other session.
SESSION_OPERATOR = "operator_login"


@dataclass
class Actor:
    user: "User | AnonymousUser"
    card_type: str = ""
    login_method: str = ""
    auth_mode: str = ""
    acting_for_id: int | None = None
    # The doctor acted for, once the delegations middleware has checked the delegation is in force.
    acting_for: "Professional | None" = None
    # The doctor acted for until this request found his delegation ended (the delegations middleware sets it):
    # what the actor sent was meant for that doctor (delegations.authz.withdrawal).
    ended_acting_for_id: int | None = None
    # Filled lazily by the authorization place; never trusted from the session alone.
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def professional(self) -> "Professional | None":
        return getattr(self.user, "professional", None) if self.is_authenticated else None

    @property
    def is_doctor(self) -> bool:
        """A doctor acting as such: a médecin of the directory, logged in with a CPS."""
        professional = self.professional
        return bool(professional and professional.is_doctor and self.card_type == "CPS")

    @property
    def role(self) -> str:
        return ActorRole.DOCTOR if self.is_doctor else ActorRole.ASSISTANT

    def journal_fields(self) -> dict[str, Any]:
        """Called for an authenticated actor only (the journal records who acted)."""
        user = cast("User", self.user)
        return {
            "actor_user": user,
            "actor_name": user.display_name,
            "actor_role": self.role,
            "card_type": self.card_type,
            "login_method": self.login_method,
            "auth_mode": self.auth_mode,
        }


UNKNOWN_OPERATOR = "inconnu"


def operator_fields(user: "User | None") -> dict[str, Any]:
    """The journal's actor fields for an operator (no card: he logs in to the admin with a password)."""
    return {
        "actor_user": user,
        "actor_name": (user.display_name or user.identifier) if user is not None else UNKNOWN_OPERATOR,
        "actor_role": ActorRole.OPERATOR,
    }
