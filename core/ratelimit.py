"""Rate limits on the views an attacker would hammer, keyed on the URL name (django-ratelimit, shared cache).

The limits sit in a middleware, so the views (and the login methods others write) need no change. core knows no
view: each app declares the limits of its own views with `register`, from its AppConfig.ready (the login methods
through their `rate_limits`, the admin's login, directory searches: see ARCHITECTURE.md « Cross-cutting rules »).
« Failed attempts only » (`Rule.refund_success`) is done by counting every attempt before the view (parallel
guesses each count) and giving back the attempt of a request that logged someone in.
Over the limit the answer is a French 429 page. Rates are settings (RATELIMIT_* in the README).
A counter that cannot be read or written (database error) is never taken for « too many »: the answer is the
French 503 page, and the attempt is not let through either (an unlimited brute force is worse than a refusal).
"""

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.shortcuts import render
from django_ratelimit.core import _get_window, _make_cache_key, _split_rate, get_usage

from .logs import log_event
from .views import UNAVAILABLE, static_error

UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
ALL = ["GET", "HEAD", "OPTIONS", *UNSAFE]
MESSAGE = "Trop de tentatives, réessayez dans quelques minutes."

logger = logging.getLogger("security")


@dataclass(frozen=True)
class Rule:
    group: str
    setting: str
    key: str | Callable
    methods: tuple[str, ...]
    # A successful attempt (a request that logged someone in) is given back: only failures count.
    refund_success: bool = False

    @property
    def rate(self) -> str:
        return getattr(settings, self.setting)


# URL name → (condition on the request or None, rules); predicates for families of views. Filled once, at start-up.
_by_view_name: dict[str, list[tuple[Callable | None, tuple[Rule, ...]]]] = {}
_by_predicate: list[tuple[Callable, tuple[Rule, ...]]] = []


def register(view: str | Callable[[HttpRequest], bool], *rules: Rule, when: Callable | None = None) -> None:
    """Limit a view by `rules`: `view` is a URL name (« namespace:name ») or a predicate on the request (for a family
    of views); `when(request)`, if given, must also be true (e.g. only a request carrying a search). Rules of the
    same group share one counter, whichever view counts. Registering the same thing twice changes nothing."""
    if not rules or not all(isinstance(rule, Rule) for rule in rules):
        raise TypeError("register() needs at least one Rule")
    if isinstance(view, str):
        entries = _by_view_name.setdefault(view, [])
        if (when, rules) not in entries:
            entries.append((when, rules))
    elif callable(view):
        if when is not None:
            raise TypeError("a predicate carries its own condition: no `when`")
        if (view, rules) not in _by_predicate:
            _by_predicate.append((view, rules))
    else:
        raise TypeError("view: a URL name or a predicate")


def rules_for(request) -> tuple[Rule, ...]:
    match = request.resolver_match
    if match is None:
        return ()
    found = [
        rule
        for when, rules in _by_view_name.get(match.view_name, ())
        if when is None or when(request)
        for rule in rules
    ]
    found += [rule for predicate, rules in _by_predicate if predicate(request) for rule in rules]
    return tuple(dict.fromkeys(found))  # a rule found twice still counts once


def too_many_attempts(request, rule: Rule):
    response = render(
        request,
        "core/error.html",
        {"title": "Trop de tentatives", "code": 429, "message": MESSAGE},
        status=429,
    )
    response["Retry-After"] = str(retry_after(rule.rate))
    return response


def retry_after(rate: str) -> int:
    """The length of the rate's window in seconds (« 10/5m » → 300): the longest wait, announced to clients."""
    try:
        _, period = rate.split("/")
        multiplier = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]
        return int(period[:-1] or 1) * multiplier
    except (ValueError, KeyError):
        return 60


class CounterUnavailable(Exception):
    """A rate-limit counter could not be read or written."""


def usage(request, rule: Rule, *, increment: bool) -> dict | None:
    try:
        found = get_usage(
            request, group=rule.group, key=rule.key, rate=rule.rate, method=list(rule.methods), increment=increment
        )
    except DatabaseError as error:
        raise CounterUnavailable from error
    # When the cache failed (its add is silent on a database error, then the increment finds no row), django-ratelimit
    # answers « limit » with a limit of 0: that is no « too many ». Its time left is no sign: it is -1 for a valid count
    # too when the clock turns a second between the window's reading and its own (a 503 once in 20,000 searches).
    if found is not None and found["limit"] != _split_rate(rule.rate)[0]:
        raise CounterUnavailable
    return found


def over_limit(request, rule: Rule) -> bool:
    found = usage(request, rule, increment=True)
    return found is not None and found["should_limit"]


def refund(request, rule: Rule) -> None:
    """Give back the attempt counted for this request: django-ratelimit's key for the current window, decremented.
    Its private helpers are used so that the key is exactly its own (tests/security/test_operators.py fails if
    they change)."""
    from django.core.cache import caches
    from django.utils.module_loading import import_string
    from django_ratelimit.core import _SIMPLE_KEYS

    if callable(rule.key):
        value = rule.key(rule.group, request)
    elif rule.key in _SIMPLE_KEYS:
        value = _SIMPLE_KEYS[rule.key](request)
    else:
        value = import_string(rule.key)(rule.group, request)
    _, period = _split_rate(rule.rate)
    key = _make_cache_key(rule.group, _get_window(value, period), rule.rate, value, list(rule.methods))
    # ValueError: the window ended meanwhile, nothing left to give back; a database error: the attempt stays counted.
    with contextlib.suppress(ValueError, DatabaseError):
        caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")].decr(key)


def logged_in(sender, request=None, **kwargs):
    """user_logged_in receiver (core.apps): this request logged someone in."""
    if request is not None:
        request.ratelimit_logged_in = True


def unavailable(request):
    log_event("rate_limit_unavailable", level=logging.ERROR, view=request.resolver_match.view_name)
    response = static_error(UNAVAILABLE)
    response["Retry-After"] = "60"
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "ratelimit_logged_in", False):
            for rule in getattr(request, "ratelimit_refundable", ()):
                refund(request, rule)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        for rule in rules_for(request):
            if request.method not in rule.methods:
                continue
            try:
                limited = over_limit(request, rule)
            except CounterUnavailable:
                return unavailable(request)
            if limited:
                log_event("rate_limited", group=rule.group, view=request.resolver_match.view_name)
                return too_many_attempts(request, rule)
            if rule.refund_success:
                request.ratelimit_refundable = [*getattr(request, "ratelimit_refundable", ()), rule]
        return None


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind RATELIMIT_PROXY_COUNT proxies the address they saw."""
    import ipaddress

    count = settings.RATELIMIT_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            candidate = forwarded[-count]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    # "0.0.0.0" is a rate-limit key here, never an address to bind.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104  # nosec B104
