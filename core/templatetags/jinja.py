"""`{% jinja "app/_rows.html" rows=rows %}`: a page's repeated part drawn by Jinja2 (core/jinja.py)."""

from typing import Any

from django import template
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.jinja import LOCAL_TIMEZONE, page_url

register = template.Library()


@register.simple_tag
def jinja(name: str, **values: Any) -> SafeString:
    """The Jinja2 template `name` with only the values given (as `{% include … only %}`), escaped by Jinja2."""
    template = engines["jinja2"].env.get_template(name)  # type: ignore[attr-defined]  # the Jinja2 backend
    rendered = template.render({"url": page_url(), LOCAL_TIMEZONE: timezone.get_current_timezone(), **values})
    return mark_safe(rendered)  # noqa: S308  # nosec B308 B703  (Jinja2 escaped every value: autoescape)
