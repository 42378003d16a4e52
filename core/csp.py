"""Content-Security-Policy (django-csp): the policy is settings.CONTENT_SECURITY_POLICY, plus, in
`form-action`, the origin of the Pro Santé Connect issuer and CSP_FORM_ACTION_ORIGINS.

Why: the PSC button and « Se déconnecter » post a form that the server answers with a redirect to the
provider (authorization, end of session); browsers apply `form-action` to the redirects that follow a form
submission, so `'self'` alone would stop the login. Read at each response, so a changed PSC_ISSUER counts.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware


def origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def form_action_origins() -> list[str]:
    from django.conf import settings

    origins = [origin(settings.PSC_ISSUER), *(origin(o) for o in getattr(settings, "CSP_FORM_ACTION_ORIGINS", []))]
    return list(dict.fromkeys(o for o in origins if o))


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        extra = form_action_origins()
        if extra and not report_only:
            parts.update = {**(parts.update or {}), "form-action": extra}
        return parts
