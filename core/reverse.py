"""Reversing a URL in a table's rows without walking the URL resolver for each row.

Django's `reverse` matches the arguments against every pattern of the view name on each call; a page of 20 rows
with two links each spends more time there than in the rest of its table. Here the resolver is asked once per view
name and number of arguments, with marker arguments, and the answer kept as the text around the arguments. A call
whose arguments are plain numbers or words (letters, digits, `_`, `-`: what every converter accepts and quoting
leaves alone) is answered from it; any other call (keyword arguments, another character, a converter that would
refuse) goes to Django's `reverse`, which answers or raises exactly as it does.
"""

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

_DIGITS = re.compile(r"[0-9]+\Z")
_WORD = re.compile(r"[A-Za-z0-9_-]+\Z")
# Markers no URL of the project contains: digits for a number converter, letters to tell a word converter apart.
_NUMBER_MARKER = "90817263540{}"
_WORD_MARKER = "zqxjurlarg{}"


def _marker(position: int, kind: str) -> str:
    return (_NUMBER_MARKER if kind == "digits" else _WORD_MARKER).format(position)


@functools.cache
def _template(urlconf: str | None, prefix: str, view_name: str, arity: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the URL's text around its arguments, what each argument may be: "digits" or "word"), or ((), ()) when the
    view cannot be reversed with markers (Django's `reverse` then answers every call)."""
    try:
        url = reverse(view_name, urlconf=urlconf, args=[_marker(i, "digits") for i in range(arity)])
    except NoReverseMatch:
        return (), ()
    kinds = []
    for position in range(arity):
        words = [_marker(i, "word" if i == position else "digits") for i in range(arity)]
        try:
            same = reverse(view_name, urlconf=urlconf, args=words) == url.replace(
                _marker(position, "digits"), _marker(position, "word")
            )
        except NoReverseMatch:
            same = False
        # A word the same pattern takes; otherwise (a number converter, or a word taken by another pattern of the
        # same name) only digits are answered here.
        kinds.append("word" if same else "digits")
    parts, rest = [], url
    for position in range(arity):
        before, found, rest = rest.partition(_marker(position, "digits"))
        if not found or _marker(position, "digits") in rest:
            return (), ()
        parts.append(before)
    parts.append(rest)
    return tuple(parts), tuple(kinds)


def fast_reverse(view_name: str, args: list) -> str | None:
    """The URL as `reverse(view_name, args=args)` gives it, or None when this call must go to `reverse` itself."""
    parts, kinds = _template(get_urlconf(), get_script_prefix(), view_name, len(args))
    if not parts:
        return None
    texts = []
    for arg, kind in zip(args, kinds, strict=True):
        text = str(arg)  # as Django writes an argument in the path
        if not (_DIGITS if kind == "digits" else _WORD).match(text):
            return None
        texts.append(text)
    return "".join(part + text for part, text in zip(parts, texts, strict=False)) + parts[-1]


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _template.cache_clear()
