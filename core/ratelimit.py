"""Rate limits on the views an attacker would hammer, keyed on the URL name (django-ratelimit, shared cache).

The limits sit in a middleware, so the views (and the login methods others write) need no change:
- the demo card reader's PIN (`accounts:demo-login`): per IP address (failed attempts only: a practice's
  shared address must not be locked out by its own successful logins) and per card, whatever way the card's
  identifier is written (the card itself also blocks after CARD_MAX_PIN_ATTEMPTS wrong PINs);
- the operators' login (`admin:login`, the admin at ADMIN_URL): per IP address and per account (the submitted
  identifier, normalised), failed attempts only;
- every Pro Santé Connect view (`accounts:psc…`, the start and the callback): per IP address;
- directory searches (`directory:search` and the colleague search of `delegations:add-colleague`, when the
  request carries query parameters): per user.
« Failed attempts only » is done by counting every attempt before the view (parallel guesses each count) and
giving back the attempt of a request that logged someone in.
Over the limit the answer is a French 429 page. Rates are settings (RATELIMIT_* in the README).
A counter that cannot be read or written (database error) is never taken for « too many »: the answer is the
French 503 page, and the attempt is not let through either (an unlimited brute force is worse than a refusal).
"""

import contextlib
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
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


def card_key(group, request) -> str:
    """The card a PIN is typed for, as the card reader finds it: the form posts the card's primary key, and the
    lookup reads it as Python's int() does, so `04`, `+4`, ` 4` and `0004` are all card 4 and one counter. A value
    that is no integer finds no card: all such values share one counter."""
    try:
        return f"card:{int(request.POST.get('card', ''))}"
    except ValueError:
        return "card:none"


PIN_RULES = (
    Rule("pin-ip", "RATELIMIT_PIN_PER_IP", "ip", ("POST",), refund_success=True),
    Rule("pin-card", "RATELIMIT_PIN_PER_CARD", card_key, ("POST",)),
)
PSC_RULES = (Rule("psc-ip", "RATELIMIT_PSC_PER_IP", "ip", tuple(ALL)),)
SEARCH_RULES = (Rule("directory-search", "RATELIMIT_SEARCH_PER_USER", "user_or_ip", ("GET", "HEAD")),)
ADMIN_RULES = (
    Rule("admin-ip", "RATELIMIT_ADMIN_PER_IP", "ip", ("POST",), refund_success=True),
    Rule("admin-account", "RATELIMIT_ADMIN_PER_ACCOUNT", "core.ratelimit.submitted_username", ("POST",), True),
)


def submitted_username(group, request) -> str:
    """The identifier typed in the admin's login form, so that « Admin », « admin » and « admin  » share a counter."""
    return unicodedata.normalize("NFKC", request.POST.get("username", "")).strip().casefold()


def rules_for(request) -> tuple[Rule, ...]:
    match = request.resolver_match
    if match is None:
        return ()
    if match.view_name == "accounts:demo-login":
        return PIN_RULES
    if match.view_name == "admin:login":
        return ADMIN_RULES
    if match.namespace == "accounts" and (match.url_name or "").startswith("psc"):
        return PSC_RULES
    if match.view_name == "directory:search" and request.GET:
        return SEARCH_RULES
    if match.view_name == "delegations:add-colleague" and set(request.GET) - {"selectionne"}:
        return SEARCH_RULES
    return ()


def too_many_attempts(request, rule: Rule | None = None):
    response = render(
        request,
        "core/error.html",
        {"title": "Trop de tentatives", "code": 429, "message": MESSAGE},
        status=429,
    )
    response["Retry-After"] = str(retry_after(rule.rate)) if rule else "60"
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
    # django-ratelimit answers « limit » with a negative time left when the cache failed (its add is silent on a
    # database error, then the increment finds no row): that is no « too many ».
    if found is not None and found["time_left"] < 0:
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

    value = (
        _SIMPLE_KEYS[rule.key](request) if rule.key in _SIMPLE_KEYS else import_string(rule.key)(rule.group, request)
    )
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

    count = getattr(settings, "RATELIMIT_PROXY_COUNT", 0)
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
