"""Structured logs without anything personal: one JSON line per request and per important event.

- `RequestLogMiddleware` gives each request an id (the incoming `X-Request-ID` when it is well-formed, else a
  new UUID), returns it in the `X-Request-ID` header and writes one line per request: view name (never the
  path: it may hold an invitation token), method, status, duration, actor id.
- `ContextFilter` adds the request id and the actor id (User pk, never a name) to every record.
- `ScrubFilter` is the safety net: e-mail addresses and long token-like strings in a message become
  `[adresse masquée]` / `[jeton masqué]`, secret-looking query parameters (`code=`, `state=`, `…token=`…)
  `code=[masqué]`. Objects attached to a record are dropped (the request: `django.request` attaches it, and its
  text holds the query string, an OpenID callback's code and state) or logged as their scrubbed text.
- `log_event(action, **fields)`: an important event; journal entries are logged as events by their action
  and ids (`journal.services.record`, once committed), never their names or details.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.db import DatabaseError
from django.http import HttpRequest

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
actor_id_var: ContextVar[int | None] = ContextVar("actor_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=-]{7,99}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Session keys (32), invitation tokens (43), hashes, JWTs: 20 characters or more without a separator.
TOKEN = re.compile(r"(?<![\w-])[A-Za-z0-9_\-]{20,}(?:\.[A-Za-z0-9_\-]{10,})*(?![\w-])")
# Query parameters that carry a secret whatever its length: OpenID code, state, nonce, tokens, session ids.
SECRET_PARAM = re.compile(
    r"\b([A-Za-z_]*(?:code|state|nonce|token|secret|session|verifier|hint)[A-Za-z_]*)=[^&\s'\"<>]+", re.IGNORECASE
)
# Record attributes never logged: their text holds what the other fields carefully leave out (full path, query).
DROPPED_TYPES = (HttpRequest,)
# Fields set by this module from trusted values: never scrubbed (a request id is a long token by design).
STRUCTURED = ("request_id", "actor_id", "action", "event", "view", "method", "status", "duration_ms")
logger = logging.getLogger("app")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_DROP = object()


# Long words that are names, not secrets: snake_case event names (« operator_login_failed ») and CamelCase
# exception names (« SMTPServerDisconnected »). Without a digit, a random token almost never has either shape.
NAME = re.compile(r"[a-z]{2,}(?:_[a-z]{2,})+|(?:[A-Z][a-z]{2,}|[A-Z]{2,5}(?=[A-Z][a-z]|$))+")


def _mask_token(match: re.Match) -> str:
    word = match.group(0)
    return word if NAME.fullmatch(word) else "[jeton masqué]"


def scrub(text: str) -> str:
    text = SECRET_PARAM.sub(r"\1=[masqué]", text)
    return TOKEN.sub(_mask_token, EMAIL.sub("[adresse masquée]", text))


def loggable(value):
    """A record attribute as it may be logged: numbers and None as they are, text scrubbed, a request dropped
    (_DROP), any other object as its scrubbed text."""
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, DROPPED_TYPES):
        return _DROP
    try:
        return scrub(value if isinstance(value, str) else str(value))
    except Exception:  # noqa: BLE001 (an object whose text fails is not logged, the line is)
        return _DROP


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _RESERVED or name in STRUCTURED:
                continue
            safe = loggable(value)
            if safe is _DROP:
                delattr(record, name)
            elif safe is not value:
                setattr(record, name, safe)
        return True


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "actor_id", None) is None:
            record.actor_id = actor_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RESERVED and not name.startswith("_"):
                # Trusted fields as they are; anything else as the filter would leave it (a handler without it).
                if name in STRUCTURED:
                    safe = value if isinstance(value, int | float | bool | None) else str(value)
                else:
                    safe = loggable(value)
                if safe is not _DROP:
                    line[name] = safe
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def log_event(action: str, level: int = logging.INFO, **fields) -> None:
    """One line for an important event: the action and ids only (callers pass no names)."""
    logger.log(level, action, extra={"event": "event", "action": action, **fields})


def _incoming_request_id(request) -> str | None:
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if VALID_REQUEST_ID.fullmatch(value) else None


def _actor_id(request):
    """The user's id if he could be read; with the database down, reading him fails again: no id then."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None


class RequestLogMiddleware:
    """Outermost middleware: request id in, one line and the `X-Request-ID` header out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming_request_id(request) or str(uuid.uuid4())
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        actor_token = actor_id_var.set(None)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            actor_id = _actor_id(request)
            match = getattr(request, "resolver_match", None)
            logger.info(
                "request",
                extra={
                    "event": "request",
                    "action": match.view_name if match else "",
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "actor_id": actor_id,
                },
            )
            return response
        finally:
            request_id_var.reset(id_token)
            actor_id_var.reset(actor_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Every middleware has run: request.user is known (events logged by the view carry it).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor_id_var.set(user.pk)
        return None
