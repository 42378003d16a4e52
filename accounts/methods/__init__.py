"""Pluggable login methods. Each is a class named in settings.LOGIN_METHODS with:
`key`, `label`, `template_name` (its block on the login page), `is_enabled()`, `get_context(request)`
`urlpatterns()` (its own views, mounted under /connexion/<key>/) and `logout_url(request)` (where the
browser goes after the local logout, e.g. the provider's end-session endpoint; None for the login page)."""

from django.conf import settings
from django.utils.module_loading import import_string


class LoginMethod:
    key = ""
    label = ""
    template_name = ""

    def is_enabled(self) -> bool:
        return True

    def get_context(self, request) -> dict:
        return {}

    def urlpatterns(self) -> list:
        return []

    def logout_url(self, request) -> str | None:
        return None


def configured_methods() -> list[LoginMethod]:
    return [import_string(path)() for path in settings.LOGIN_METHODS]


def enabled_methods() -> list[LoginMethod]:
    return [method for method in configured_methods() if method.is_enabled()]
