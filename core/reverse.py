"""Reversing a URL in a table's rows without walking the URL resolver for each row.

Django's `reverse` matches the arguments against every pattern of the view name on each call; a page of 20 rows
with two links each spends more time there than in the rest of its table. Here the resolver is asked once per view
name and number of arguments, with marker arguments, and the answer kept as the text around the arguments.

Only what is sure to give Django's own answer is answered here: a view name all of whose patterns are `path()`
routes with Django's `int`, `str`, `slug` or `path` converters, under no language prefix and no application included
twice (where `current_app` would choose); arguments that are plain numbers or words (letters, digits, `_`, `-`:
what these converters accept and quoting leaves alone). Any other call goes to Django's `reverse`, which answers or
raises exactly as it does. What is learnt is kept on Django's resolver object: when Django clears its URL caches (a
new URLconf), it is learnt again.
"""

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.urls import NoReverseMatch, URLResolver, get_resolver, get_script_prefix, get_urlconf, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter
from django.urls.resolvers import RegexPattern, RoutePattern

_DIGITS = re.compile(r"[0-9]+\Z")
_WORD = re.compile(r"[A-Za-z0-9_-]+\Z")
_CONVERTERS = (IntConverter, StringConverter, SlugConverter, PathConverter)
# Markers no URL of the project contains: digits for a number converter, letters to tell a word converter apart.
_NUMBER_MARKER = "90817263540{}"
_WORD_MARKER = "zqxjurlarg{}"
# Templates kept per resolver: one per script prefix, view name and number of arguments (the prefix comes from the
# server, a bound keeps an odd one from growing the table).
_MAX_TEMPLATES = 1000


@dataclass
class _Learnt:
    names: frozenset[str]
    templates: dict[tuple[str, str, int], tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)


_LEARNT: "weakref.WeakKeyDictionary[URLResolver, _Learnt]" = weakref.WeakKeyDictionary()


def _plain(pattern) -> bool:
    if isinstance(pattern, RoutePattern):
        return all(type(converter) in _CONVERTERS for converter in pattern.converters.values())
    return isinstance(pattern, RegexPattern) and pattern.regex.groups == 0  # a prefix without arguments


def _answerable_names(resolver: URLResolver) -> frozenset[str]:
    """The view names (with their namespaces) all of whose patterns are plain (see the module's docstring)."""
    plain: set[str] = set()
    other: set[str] = set()

    def walk(parent: URLResolver, namespace: str, fine: bool) -> None:
        for entry in parent.url_patterns:
            entry_fine = fine and _plain(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                if entry.app_name and len(parent.app_dict.get(entry.app_name, ())) > 1:
                    entry_fine = False  # included twice: current_app would choose the instance
                walk(entry, inner, entry_fine)
            elif entry.name:
                (plain if entry_fine else other).add(namespace + entry.name)

    walk(resolver, "", True)
    return frozenset(plain - other)


def _marker(position: int, kind: str) -> str:
    return (_NUMBER_MARKER if kind == "digits" else _WORD_MARKER).format(position)


def _template(urlconf: str | None, view_name: str, arity: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
    urlconf = get_urlconf()
    return _answer(urlconf, get_script_prefix(), _learnt(urlconf), view_name, args)


def reverser() -> Callable[[str, list], str | None]:
    """`fast_reverse` for the many links of one page: the request's URLconf and script prefix (the same for the
    whole page) read once, not for every link (each is a lookup of a context-local value)."""
    urlconf = get_urlconf()
    return partial(_answer, urlconf, get_script_prefix(), _learnt(urlconf))


def _learnt(urlconf: str | None) -> _Learnt:
    resolver = get_resolver(urlconf)
    learnt = _LEARNT.get(resolver)
    if learnt is None:
        learnt = _LEARNT[resolver] = _Learnt(_answerable_names(resolver))
    return learnt


def _answer(urlconf: str | None, prefix: str, learnt: _Learnt, view_name: str, args: list) -> str | None:
    if view_name not in learnt.names:
        return None
    key = (prefix, view_name, len(args))
    found = learnt.templates.get(key)
    if found is None:
        if len(learnt.templates) >= _MAX_TEMPLATES:
            learnt.templates.clear()
        found = learnt.templates[key] = _template(urlconf, view_name, len(args))
    parts, kinds = found
    if not parts:
        return None
    texts = []
    for arg, kind in zip(args, kinds, strict=True):
        text = str(arg)  # as Django writes an argument in the path
        if not (_DIGITS if kind == "digits" else _WORD).match(text):
            return None
        texts.append(text)
    return "".join(part + text for part, text in zip(parts, texts, strict=False)) + parts[-1]
