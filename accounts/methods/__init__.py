"""Pluggable login methods. Each is a class named in settings.LOGIN_METHODS with:
`key`, `label`, `template_name` (its block on the login page), `is_enabled()`, `get_context(request)`
`urlpatterns()` (its own views, mounted under /connexion/<key>/) and `logout_url(request)` (where the
browser goes after the local logout, e.g. the provider's end-session endpoint; None for the login page).
A method also declares what the cross-cutting middleware of core must know of it: `rate_limits` (core.ratelimit
rules on every view it mounts) and `form_action_origins()` (where its forms are redirected: CSP form-action);
`register_methods` hands them to core at start-up (AccountsConfig.ready)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from core import csp, ratelimit


class LoginMethod:
    key = ""
    label = ""
    template_name = ""
    rate_limits: tuple[ratelimit.Rule, ...] = ()

    def is_enabled(self) -> bool:
        return True

    def get_context(self, request) -> dict:
        return {}

    def urlpatterns(self) -> list:
        return []

    def logout_url(self, request) -> str | None:
        return None

    def form_action_origins(self) -> list[str]:
        """URLs whose origins a form of this method may be redirected to; read at each response."""
        return []


def configured_methods() -> list[LoginMethod]:
    return [import_string(path)() for path in settings.LOGIN_METHODS]


def enabled_methods() -> list[LoginMethod]:
    return [method for method in configured_methods() if method.is_enabled()]


def register_methods() -> None:
    """Each configured method's rate limits on each of its views (mounted in the `accounts` namespace) and its CSP
    origins, handed to core once at start-up."""
    for method in configured_methods():
        if method.rate_limits:
            for pattern in method.urlpatterns():
                if not pattern.name:
                    # An unnamed view could not be found by its name: it would silently escape the limits.
                    raise ImproperlyConfigured(f"{type(method).__name__}: every rate-limited view needs a name")
                ratelimit.register(f"accounts:{pattern.name}", *method.rate_limits)
        csp.register_form_action_origins(method.form_action_origins)
