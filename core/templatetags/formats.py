"""`{{ name|de }}`: « de » before a name, elided (« Dossier {{ name|de }} » → « Dossier d'André GIRARD »).

`{{ value|strftime:"%d/%m/%Y %H:%M" }}`: dates shown in French numeric form, without Django's `date` filter.

The `date` filter looks its format up through the localisation machinery and interprets it character by character:
about 25 µs a date, a third of the dossier page's history table and a millisecond of a 20-line Mes dossiers page.
Numeric strftime directives give the same text (the templates use no month or day names). Datetimes arrive in
the current time zone (expects_localtime), as with `date`.
"""

import datetime

from django import template

from core.text import of

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def strftime(value, format_string: str) -> str:
    if not isinstance(value, datetime.date):
        return ""  # as `date` does for None or an empty value
    return value.strftime(format_string)


@register.filter(is_safe=False)
def de(name) -> str:
    return of(str(name))
