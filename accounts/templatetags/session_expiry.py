from django import template
from django.conf import settings

from ..middleware import session_seconds_left

register = template.Library()


@register.inclusion_tag("accounts/_session_expiry.html", takes_context=True)
def session_expiry_dialog(context):
    """The « Votre session va expirer » dialog that accounts/static/accounts/session.js opens before the idle logout."""
    request = context["request"]
    minutes = round(settings.SESSION_IDLE_WARNING / 60)
    return {
        "delay": f"{minutes} minute{'s' if minutes > 1 else ''}" if minutes else "moins d'une minute",
        "seconds_left": session_seconds_left(request.session),
        "warning": settings.SESSION_IDLE_WARNING,
        "csrf_token": context.get("csrf_token"),
    }
