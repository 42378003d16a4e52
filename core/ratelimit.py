"""Rate limits on the views an attacker would hammer, keyed on the URL name (django-ratelimit, shared cache).

The limits sit in a middleware, so the views (and the login methods others write) need no change:
- the demo card reader's PIN (`accounts:demo-login`): per IP address and per card (the card itself also
  blocks after CARD_MAX_PIN_ATTEMPTS wrong PINs);
- every Pro Santé Connect view (`accounts:psc…`, the start and the callback): per IP address;
- directory searches (`directory:search` and the colleague search of `delegations:add-colleague`, when the
  request carries query parameters): per user;
- the operators' login (`admin:login`, the admin at ADMIN_URL): per IP address and per account (the submitted
  identifier, normalised). Every attempt is counted before the password is checked (parallel guesses each count),
  and a successful login gives its attempt back: only failures use up a legitimate operator's allowance.
Over the limit the answer is a French 429 page. Rates are settings (RATELIMIT_* in the README).
"""

import contextlib
import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import _get_window, _make_cache_key, _split_rate, is_ratelimited

from .logs import log_event

UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
ALL = ["GET", "HEAD", "OPTIONS", *UNSAFE]
MESSAGE = "Trop de tentatives, réessayez dans quelques minutes."

logger = logging.getLogger("security")


@dataclass(frozen=True)
class Rule:
    group: str
    setting: str
    key: str
    methods: tuple[str, ...]
    # A successful attempt (a login that opened a session) is given back: only failures count.
    refund_success: bool = False

    @property
    def rate(self) -> str:
        return getattr(settings, self.setting)


PIN_RULES = (
    Rule("pin-ip", "RATELIMIT_PIN_PER_IP", "ip", ("POST",)),
    Rule("pin-card", "RATELIMIT_PIN_PER_CARD", "post:card", ("POST",)),
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


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        counted = getattr(request, "_ratelimit_counted", ())
        if counted and response.status_code == 302 and getattr(request.user, "is_authenticated", False):
            for rule in counted:
                refund(request, rule)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        counted = []
        for rule in rules_for(request):
            if request.method not in rule.methods:
                continue
            if is_ratelimited(
                request, group=rule.group, key=rule.key, rate=rule.rate, method=list(rule.methods), increment=True
            ):
                log_event("rate_limited", group=rule.group, view=request.resolver_match.view_name)
                return too_many_attempts(request, rule)
            if rule.refund_success:
                counted.append(rule)
        request._ratelimit_counted = tuple(counted)
        return None


def refund(request, rule: Rule) -> None:
    """Give back the attempt counted for this request: django-ratelimit's key for the current window, decremented."""
    from django.core.cache import caches
    from django.utils.module_loading import import_string
    from django_ratelimit.core import _SIMPLE_KEYS

    value = (
        _SIMPLE_KEYS[rule.key](request) if rule.key in _SIMPLE_KEYS else import_string(rule.key)(rule.group, request)
    )
    _, period = _split_rate(rule.rate)
    key = _make_cache_key(rule.group, _get_window(value, period), rule.rate, value, list(rule.methods))
    # ValueError: the window ended meanwhile, nothing left to give back.
    with contextlib.suppress(ValueError):
        caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")].decr(key)


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
