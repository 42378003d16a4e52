from django import template
from django.utils.html import format_html

from ..models import Status

register = template.Library()

# Each status's DSFR badge (the lists draw one per row: a tag, not an included template), written once: the
# statuses and their labels are fixed.
BADGE_CLASS = {
    Status.VALIDATED: "fr-badge--success",
    Status.SENT: "fr-badge--info",
    Status.ARCHIVED: "fr-badge--no-icon",
    Status.IN_PROGRESS: "fr-badge--new",
}


def _badge(css_class: str, label: str) -> str:
    return format_html('<span class="fr-badge fr-badge--sm {}">{}</span>', css_class, label)


BADGES = {status.value: _badge(BADGE_CLASS[status], status.label) for status in Status}


@register.simple_tag
def status_badge(dossier) -> str:
    # A value outside the statuses (written by hand in the database) is shown as it is, not a failed page.
    return BADGES.get(dossier.status) or _badge("fr-badge--new", dossier.status)
