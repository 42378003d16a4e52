"""Settings, all from environment variables (12-factor). Every variable is listed in the README."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The demo card reader and the demo data exist only when DEMO is on (make run sets it).
DEMO = env.bool("DEMO", default=False)
DEVELOPMENT_SECRET_KEY = "django-insecure-dev-only-change-me-in-production-0123456789"  # noqa: S105 (refused without DEBUG)
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY if DEBUG else "")
# Outside development, a missing key would sign sessions with a key known to all: refuse to start.
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "La variable d'environnement SECRET_KEY n'est pas définie : donnez-lui une valeur secrète, longue et "
        "aléatoire (par exemple celle qu'affiche « python -c 'import secrets; print(secrets.token_urlsafe(50))' »), "
        "propre à cette installation. Pour le développement seulement, DEBUG=1 (comme « make run ») utilise une "
        "clé de développement."
    )

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site_host, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [f"{urlsplit(SITE_URL).scheme}://{urlsplit(SITE_URL).netloc}"]

INSTALLED_APPS = [
    # Django's admin with the operators' site (accounts/admin_site.py): login journaled, no bulk delete.
    "accounts.admin_apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` (make run) leaves static files to WhiteNoise, so a missing one is the French
    # 404, not the English page of Django's own static handler.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "widget_tweaks",
    "dsfr",
    "core",
    "outbox",
    "journal",
    "directory",
    "accounts",
    "delegations",
    "dossiers",
    "interop",
    "oversight",
    "demo",
]

MIDDLEWARE = [
    "core.logs.RequestLogMiddleware",  # first: the request id covers everything below
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.NulBytesMiddleware",  # a NUL in the address or query: the French 400, no database read
    "core.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionRefreshMiddleware",  # after: its response part runs before the session is saved
    "django.middleware.common.CommonMiddleware",
    "core.middleware.DebugErrorPagesMiddleware",  # with DEBUG, the French 404 instead of Django's technical page
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreMiddleware",  # Cache-Control: no-store on every page of a logged-in user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.ActorMiddleware",
    "delegations.middleware.ActingForMiddleware",
    "core.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                "dossiers.context_processors.enums",
                "dossiers.context_processors.space",
                "delegations.context_processors.delegation_nav",
                "delegations.context_processors.enums",
                "demo.context_processors.demo_links",
            ],
            # `{% url %}` without walking the URL resolver for every row of a table (core/reverse.py).
            "builtins": ["core.templatetags.fast_url"],
        },
    },
    {
        # The rows of the long lists, drawn by `{% jinja %}` (core/jinja.py) from each app's jinja2/ folder.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "core.jinja.environment"},
    },
]

# Database: SQLite (WAL) by default, PostgreSQL in production and CI.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections: opening one per request (a PostgreSQL process forked, cold catalogue caches) cost more than
# the rest of the page. The health check before reuse reconnects after a database restart.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    # Parameters sent apart from the SQL text, and each statement a connection runs often prepared by psycopg (from
    # its 5th run; Django turns preparing off unless told): PostgreSQL no longer parses it on each page, and keeps a
    # generic plan for it when that plan is no worse than the plans made for its values (plan_cache_mode `auto`), so it
    # no longer plans it either. The directory searches are never prepared
    # (core.prepared.planned_for_their_values): a generic plan cannot use an index for a `LIKE 'prefix%'` it does not
    # know. Off (0) behind a connection pooler in transaction mode that does not carry prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5, "options": "-c plan_cache_mode=auto"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE avoids "database is locked"
    # upgrades in the middle of a transaction. A request's write waits up to 15 s for the lock: three times the
    # longest write of a national first import of the directory (an index build, docs/annuaire.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=15000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env("SQLITE_TEST_NAME", default=None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UserBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dossiers:list"
# Where the operators' admin is mounted (README « Production »: expose it on a separate host or an IP allow-list).
ADMIN_URL = (env("ADMIN_URL", default="gestion/").strip("/") or "gestion") + "/"

# Login methods offered on the login page, in order. A method is a class with its own views;
# adding one (Pro Santé Connect) touches this list, not the login views.
LOGIN_METHODS = ["accounts.methods.psc.ProSanteConnect", "accounts.methods.demo.DemoCardReader"]
# Pro Santé Connect (OpenID Connect): offered when PSC_ISSUER, PSC_CLIENT_ID and PSC_CLIENT_SECRET are set.
PSC_ISSUER = env("PSC_ISSUER", default="").rstrip("/")
PSC_CLIENT_ID = env("PSC_CLIENT_ID", default="")
PSC_CLIENT_SECRET = env("PSC_CLIENT_SECRET", default="")
# PSC serves its discovery document at a non-standard path; a standard provider at /.well-known/openid-configuration.
PSC_DISCOVERY_URL = env("PSC_DISCOVERY_URL", default="") or (
    f"{PSC_ISSUER}/.well-known/wallet-openid-configuration" if PSC_ISSUER else ""
)
PSC_SCOPES = env("PSC_SCOPES", default="openid scope_all")
# Requested, and the only `acr` values accepted in the ID token (space-separated).
PSC_ACR_VALUES = env("PSC_ACR_VALUES", default="eidas1")
PSC_TIMEOUT = env.float("PSC_TIMEOUT", default=5.0)
# How the client authenticates at the token endpoint; empty: from the discovery document (basic if offered, else post).
PSC_TOKEN_AUTH_METHOD = env("PSC_TOKEN_AUTH_METHOD", default="")
if PSC_TOKEN_AUTH_METHOD not in ("", "client_secret_basic", "client_secret_post"):
    raise environ.ImproperlyConfigured("PSC_TOKEN_AUTH_METHOD : client_secret_basic, client_secret_post ou vide.")
CARD_MAX_PIN_ATTEMPTS = env.int("CARD_MAX_PIN_ATTEMPTS", default=3)
# How a user reaches the operator (a blocked card, for one): shown when set.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="").strip()
SUPPORT_PHONE = env.str("SUPPORT_PHONE", default="").strip()
# How long an invitation link may be used: a setting (not configurable) so that the footer's « Données
# personnelles » (core, which may not import delegations) says what delegations.models applies.
INVITATION_VALIDITY_DAYS = 7

# Sessions: 30 minutes idle (the expiry moves at every request), ended at browser close.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# Sliding expiry without a write per request: accounts.middleware.SessionRefreshMiddleware saves the session
# (new expiry) at most every SESSION_REFRESH_INTERVAL seconds of activity.
SESSION_REFRESH_INTERVAL = env.int("SESSION_REFRESH_INTERVAL", default=60)
# A page warns this many seconds before the idle logout (« Votre session va expirer — Rester connecté »).
SESSION_IDLE_WARNING = env.int("SESSION_IDLE_WARNING", default=120)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# With DEBUG (make run) too, an error shows the French page, never Django's English page with the stack trace.
DEFAULT_EXCEPTION_REPORTER = "core.views.FrenchExceptionReporter"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and SITE_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Mail: EMAIL_URL in URL form (smtp://host:port, smtp+tls://user:pass@host:587, consolemail://).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# With DEMO, the demo keeps a copy of each mail sent (its page « Courriels envoyés »), then sends it as EMAIL_URL says.
DEMO_EMAIL_BACKEND = globals()["EMAIL_BACKEND"]
if DEMO:
    EMAIL_BACKEND = "demo.mail.DemoEmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Espace médecins <ne-pas-repondre@example.org>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Durable mail (outbox): requests only queue; the worker (run_mail_worker) sends, woken at commit on PostgreSQL
# (LISTEN/NOTIFY) and at least every OUTBOX_POLL_SECONDS, and retries with exponential backoff.
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=1.0)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.int("OUTBOX_CLAIM_TIMEOUT_SECONDS", default=300)
OUTBOX_MESSAGE_ID_DOMAIN = urlsplit(SITE_URL).hostname or "localhost"

# Signed checkpoints of the journal (journal/checkpoints.py): an Ed25519 key the database never sees signs the head;
# each checkpoint is a file outside the database, optionally mailed to a witness. Empty: no signed checkpoints.
JOURNAL_SIGNING_KEY_FILE = env("JOURNAL_SIGNING_KEY_FILE", default="")
JOURNAL_VERIFY_KEY_FILE = env("JOURNAL_VERIFY_KEY_FILE", default="")
JOURNAL_CHECKPOINT_DIR = env("JOURNAL_CHECKPOINT_DIR", default="")
JOURNAL_WITNESS_EMAIL = env("JOURNAL_WITNESS_EMAIL", default="")
# The base of our own FHIR identifier systems (interop/fhir.py): an address the operator controls, never changed.
FHIR_SYSTEM_BASE = env("FHIR_SYSTEM_BASE", default="https://espace-medecins.example.org/fhir").rstrip("/")

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
# django-dsfr writes an `integrity` checksum of its own CSS and JS files. The manifest storage rewrites the CSS
# (each `url()` becomes the hashed file name), so the browser refused the DSFR stylesheets outside DEBUG: pages
# without style. The checksums are kept where the files are served as they are.
DSFR_USE_INTEGRITY_CHECKSUMS = "Manifest" not in STORAGES["staticfiles"]["BACKEND"]

DSFR_MARK_OPTIONAL_FIELDS = True
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Authlib logs the PKCE verifier at DEBUG: never let it (or a token) reach the logs.
    "loggers": {"authlib": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Hardening (docs/securite.md « Durcissement ») ---

# Structured logs: JSON lines with the request id and the actor id; e-mail addresses and tokens scrubbed.
LOGGING["filters"] = {"context": {"()": "core.logs.ContextFilter"}, "scrub": {"()": "core.logs.ScrubFilter"}}
LOGGING["handlers"]["console"]["filters"] = ["context", "scrub"]
# runserver's access lines hold full paths and query strings (names searched, invitation tokens): our own
# one line per request replaces them.
LOGGING.setdefault("loggers", {})["django.server"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}
# Django's own handlers for its « django » logger (a raw console one under DEBUG, mail to ADMINS in production)
# would print request lines unscrubbed and talk SMTP from a request: everything goes through ours.
LOGGING["loggers"]["django"] = {"handlers": [], "level": "INFO", "propagate": True}

# One cache shared by every instance, in the database (core/cache.py says why; table made by core/0001).
CACHES = {
    "default": {
        "BACKEND": "core.cache.AtomicDatabaseCache",
        "LOCATION": "django_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# Rate limits (core/ratelimit.py): « N/period », period in s, m, h, d (« 20/5m »: 20 per 5 minutes).
RATELIMIT_PIN_PER_IP = env("RATELIMIT_PIN_PER_IP", default="20/5m")
RATELIMIT_PIN_PER_CARD = env("RATELIMIT_PIN_PER_CARD", default="10/5m")
RATELIMIT_PSC_PER_IP = env("RATELIMIT_PSC_PER_IP", default="30/5m")
RATELIMIT_SEARCH_PER_USER = env("RATELIMIT_SEARCH_PER_USER", default="60/m")
# The operators' login (admin): failed attempts per IP address and per submitted identifier.
RATELIMIT_ADMIN_PER_IP = env("RATELIMIT_ADMIN_PER_IP", default="20/15m")
RATELIMIT_ADMIN_PER_ACCOUNT = env("RATELIMIT_ADMIN_PER_ACCOUNT", default="5/15m")
# Behind N reverse proxies, the client's address is the N-th from the right in X-Forwarded-For.
RATELIMIT_PROXY_COUNT = env.int("RATELIMIT_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "core.ratelimit.client_ip"

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere; core/csp.py adds the origins
# the login methods register (Pro Santé Connect's issuer) and CSP_FORM_ACTION_ORIGINS to form-action.
CSP_FORM_ACTION_ORIGINS = env.list("CSP_FORM_ACTION_ORIGINS", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # the DSFR draws some icons as data: SVG
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
