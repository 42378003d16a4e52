from django import template
from django.utils.html import format_html

from ..models import Status

register = template.Library()

# Each status's DSFR badge (the lists draw one per row: a tag, not an included template).
BADGE_CLASS = {
    Status.VALIDATED: "fr-badge--success",
    Status.SENT: "fr-badge--info",
    Status.ARCHIVED: "fr-badge--no-icon",
    Status.IN_PROGRESS: "fr-badge--new",
}


@register.simple_tag
def status_badge(dossier) -> str:
    return format_html(
        '<span class="fr-badge fr-badge--sm {}">{}</span>',
        BADGE_CLASS.get(dossier.status, "fr-badge--new"),
        dossier.get_status_display(),
    )
