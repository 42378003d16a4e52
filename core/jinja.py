"""Jinja2 for the rows of the long lists: a page stays a Django template (base.html, its blocks and tags), and
`{% jinja "app/_rows.html" rows=rows %}` draws its repeated part with Jinja2, which compiles a template to Python
where Django's engine walks its nodes and looks every variable up at each row (docs/performance.md).

The environment gives a row template what its Django twin used: `url()` (the fast `{% url %}`, core/reverse.py),
the `strftime` filter, and what an app registers in its `ready()` (`register_global`: the dossiers' status
badge). Every value is escaped as Django escapes it; a value Django marked safe is kept as it is. Autoescape is
off and the escaping is `finalize`'s: a `{% set %}` block or a macro's output, a plain text, would be escaped
twice (the row templates use neither); Jinja2's `default` fills an undefined value only, not an empty one.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # public, missing from the stubs
from jinja2 import ChainableUndefined, Environment, pass_context
from jinja2.runtime import Context

from .reverse import fast_reverse, reverser
from .templatetags.formats import de
from .text import escape_html

# Filled before the first page is drawn (AppConfig.ready), read when Django builds the environment.
_GLOBALS: dict[str, Callable[..., Any]] = {}


def register_global(name: str, function: Callable[..., Any]) -> None:
    """Give the row templates a function an app defines (core cannot import the apps)."""
    _GLOBALS[name] = function


def url(view_name: str, *args: Any) -> str:
    """`{% url view_name arg… %}`."""
    return fast_reverse(view_name, list(args)) or reverse(view_name, args=args)


def page_url() -> Callable[..., str]:
    """`url` for one drawing of a template (`{% jinja %}` gives it): the request's URLconf and script prefix read
    once for all its links (core.reverse.reverser)."""
    answer = reverser()

    def url(view_name: str, *args: Any) -> str:
        return answer(view_name, list(args)) or reverse(view_name, args=args)

    return url


# The current time zone, read once per drawing by `{% jinja %}`: reading it is a look-up in Django's thread-local
# state, which a list's dates did once each.
LOCAL_TIMEZONE = "_local_timezone"


@pass_context
def strftime(context: Context, value: Any, format_string: str) -> str:
    """The `strftime` filter of core/templatetags/formats.py: the local time of an aware date and time."""
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = value.astimezone(context.get(LOCAL_TIMEZONE) or timezone.get_current_timezone())
    return value.strftime(format_string)


def escaped(value: Any) -> str:
    """Each `{{ value }}` as Django writes it: a date or a number in French (« 3 décembre 2026 »), then escaped as
    Django escapes (« ' » as « &#x27; », not MarkupSafe's « &#39; »), unless marked safe: the same HTML as the
    Django template. Every value written goes through here (the environment's `finalize`)."""
    if type(value) is str:  # most values: a plain text (a subclass may be marked safe)
        return escape_html(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return escape_html(str(value))


def environment(**options: Any) -> Environment:
    # A missing attribute is empty, as in Django's templates (an entry without dossier has no patient), DEBUG or not.
    options["undefined"] = ChainableUndefined
    # Every value is escaped by `escaped`: Jinja2's autoescape would wrap each in MarkupSafe's Markup twice more.
    options["finalize"] = escaped
    options["autoescape"] = False
    options["keep_trailing_newline"] = True  # as a Django template keeps it
    env = Environment(**options)  # noqa: S701  # nosec B701  (every value escaped by `finalize`, see above)
    env.globals.update(url=url, **_GLOBALS)
    env.filters.update(strftime=strftime, de=de)  # the Django templates' `de`
    return env
