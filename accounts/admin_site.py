"""The operators' admin (Django's, mounted at ADMIN_URL): its own login, journaled, and no bulk delete.

- Every operator login and failed login is a journal entry (the identifier tried is written only when it is an
  account's: a password typed in the wrong field must never reach the append-only journal).
- The admin opens only to a session opened by this login: a card holder who happens to be staff, logged in with his
  card, does not reach it without the operator's password; and an operator's session carries no card, so it acts
  on no dossier.
- Django's « delete selected » action is off for every model.
"""

import unicodedata

from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.db import transaction

from core.ratelimit import Rule, client_ip
from journal.models import Action
from journal.services import record

from .actor import (
    SESSION_ACTING_FOR,
    SESSION_AUTH_MODE,
    SESSION_CARD_TYPE,
    SESSION_LOGIN_METHOD,
    SESSION_OPERATOR,
    operator_fields,
)


def submitted_username(group, request) -> str:
    """The identifier typed in the admin's login form, so that « Admin », « admin » and « admin  » share a counter."""
    return unicodedata.normalize("NFKC", request.POST.get("username", "")).strip().casefold()


# The login (`admin:login`, registered by AccountsConfig.ready): per IP address and per account, failed attempts only.
LOGIN_RATE_LIMITS = (
    Rule("admin-ip", "RATELIMIT_ADMIN_PER_IP", "ip", ("POST",), refund_success=True),
    Rule("admin-account", "RATELIMIT_ADMIN_PER_ACCOUNT", submitted_username, ("POST",), refund_success=True),
)


class OperatorAdminSite(AdminSite):
    site_title = "Gestion de l'espace médecins"

    def __init__(self, name="admin"):
        super().__init__(name)
        self.disable_action("delete_selected")

    def has_permission(self, request):
        return super().has_permission(request) and bool(request.session.get(SESSION_OPERATOR))

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        if request.method == "POST":
            if response.status_code == 302 and request.user.is_authenticated:
                self._opened(request)
            else:
                self._failed(request)
        return response

    def logout(self, request, extra_context=None):
        if self.has_permission(request):
            record(action=Action.LOGOUT, **operator_fields(request.user), login_method="gestion")
        return super().logout(request, extra_context)

    @staticmethod
    @transaction.atomic
    def _opened(request) -> None:
        # The key already rotated (django.contrib.auth.login); nothing of a card session survives.
        for key in (SESSION_CARD_TYPE, SESSION_LOGIN_METHOD, SESSION_AUTH_MODE, SESSION_ACTING_FOR):
            request.session.pop(key, None)
        request.session[SESSION_OPERATOR] = True
        record(
            action=Action.OPERATOR_LOGIN,
            **operator_fields(request.user),
            login_method="gestion",
            detail=f"depuis l'adresse {client_ip(request)}",
        )

    @staticmethod
    @transaction.atomic
    def _failed(request) -> None:
        tried = request.POST.get("username", "")
        # Only an operator's account is named: anyone may type a doctor's identifier, and the journal must not
        # say that doctor tried to log in as an operator. A NUL (PostgreSQL refuses it in text) finds nobody.
        user = (
            get_user_model()._default_manager.filter(identifier=tried, is_staff=True).first()
            if tried and "\x00" not in tried
            else None
        )
        why = "identifiant inconnu" if user is None else "mot de passe erroné ou compte non autorisé"
        record(
            action=Action.OPERATOR_LOGIN_FAILED,
            **operator_fields(user),
            login_method="gestion",
            detail=f"{why}, depuis l'adresse {client_ip(request)}",
        )
