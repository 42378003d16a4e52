"""Content-Security-Policy (django-csp): the policy is settings.CONTENT_SECURITY_POLICY, plus, in `form-action`,
the origins the apps registered (`register_form_action_origins`) and CSP_FORM_ACTION_ORIGINS.

Why: a login method may post a form that the server answers with a redirect to its provider (Pro Santé Connect:
authorization, end of session); browsers apply `form-action` to the redirects that follow a form submission, so
`'self'` alone would stop the login. core knows no provider: the method declares its URLs
(accounts.methods.LoginMethod.form_action_origins). Read at each response, so a changed setting counts.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware

# Callables giving URLs (their origins are allowed); filled once, at start-up.
_form_action_sources: list[Callable[[], list[str]]] = []


def register_form_action_origins(source: Callable[[], list[str]]) -> None:
    """Allow, in `form-action`, the origins of the URLs `source()` gives at each response (empty ones ignored)."""
    if source not in _form_action_sources:
        _form_action_sources.append(source)


def origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def form_action_origins() -> list[str]:
    from django.conf import settings

    registered = [url for source in _form_action_sources for url in source()]
    origins = [origin(url) for url in [*registered, *getattr(settings, "CSP_FORM_ACTION_ORIGINS", [])]]
    return list(dict.fromkeys(o for o in origins if o))


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        extra = form_action_origins()
        if extra and not report_only:
            parts.update = {**(parts.update or {}), "form-action": extra}
        return parts
