"""The panel « Depuis votre dernière connexion », drawn on Mes dossiers (dossiers, below this app, cannot import it:
its template loads this tag)."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("oversight/_since_last_login.html", takes_context=True)
def since_last_login(context):
    request = context.get("request")
    panel = selectors.since_last_login(getattr(request, "actor", None)) if request else None
    return {"panel": panel, "limit": selectors.PANEL_LIMIT}
