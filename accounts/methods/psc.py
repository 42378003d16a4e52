"""« Pro Santé Connect »: log in with a CPS card or e-CPS through PSC, the national OpenID Connect provider.

Authorization code flow with state, nonce and PKCE (S256), done by Authlib; the ID token's signature,
issuer, audience, expiry and nonce are checked by Authlib, its `acr` here against PSC_ACR_VALUES. The person
is the directory professional whose national identifier ("8" + RPPS) PSC gives; names from PSC never
change the directory. Codes, tokens and the PKCE verifier are never logged nor journaled.
"""

import logging
import secrets
import threading
import time
from dataclasses import dataclass

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from core.ratelimit import ALL, Rule
from directory.models import Professional
from journal.models import Action
from journal.services import record

from ..models import User
from ..services import LoginRefused, complete_login, refusal_for
from . import LoginMethod
from .next_url import safe_next_url

logger = logging.getLogger(__name__)

PSC_METHOD = "psc"
CARD_TYPE = "CPS"
# The pending login (state, nonce, PKCE verifier, redirect URI, next page) between the redirect and the callback.
SESSION_PENDING = "psc_pending"
# The ID token of the PSC login, kept for the provider's end-session endpoint (id_token_hint).
SESSION_ID_TOKEN = "psc_id_token"  # noqa: S105 (a session key, not a secret)
PENDING_MAX_AGE = 600
METADATA_TTL = 300
UNKNOWN_ACTOR = "identité inconnue"


class PscError(Exception):
    """A PSC login that cannot go on: the French message shown, and the HTTP status of the error page."""

    def __init__(self, message: str, status: int = 400, *, for_operator: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        # A configuration error: the page gives the request id to pass on to the operator.
        self.for_operator = for_operator


PROVIDER_DOWN = (
    "Pro Santé Connect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous plus tard."
)
FLOW_BROKEN = (
    "La connexion avec Pro Santé Connect n'a pas abouti : la demande a expiré, a déjà servi ou ne vient pas "
    "de ce navigateur. Recommencez la connexion."
)
TOKEN_INVALID = "La réponse de Pro Santé Connect n'a pas pu être vérifiée. Recommencez la connexion."  # noqa: S105
# The provider refuses the platform itself (client id, secret or authentication method): only the operator can fix it.
PLATFORM_REFUSED = "Pro Santé Connect a refusé la connexion de la plateforme ; contactez l'opérateur."
# Token endpoint errors that say the client's registration or credentials are wrong, not the doctor's login.
CLIENT_ERRORS = ("invalid_client", "unauthorized_client")
BASIC, POST = "client_secret_basic", "client_secret_post"
TOKEN_AUTH_METHODS = (BASIC, POST)


# --- Provider metadata (discovery document and keys), fetched with a short timeout, cached briefly ---

_metadata_cache: dict[str, tuple[float, dict]] = {}
_metadata_lock = threading.Lock()


def clear_metadata_cache() -> None:
    with _metadata_lock:
        _metadata_cache.clear()


def provider_metadata() -> dict:
    """The discovery document with its JWKS, for METADATA_TTL seconds. Raises PscError when unreachable."""
    url = settings.PSC_DISCOVERY_URL
    now = time.monotonic()
    with _metadata_lock:
        cached = _metadata_cache.get(url)
        if cached and now - cached[0] < METADATA_TTL:
            return dict(cached[1])
    try:
        response = requests.get(url, timeout=settings.PSC_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
        if metadata.get("issuer", "").rstrip("/") != settings.PSC_ISSUER:
            logger.error("Pro Santé Connect : le document de découverte annonce un autre émetteur.")
            raise PscError(PROVIDER_DOWN, status=502)
        jwks = requests.get(metadata["jwks_uri"], timeout=settings.PSC_TIMEOUT)
        jwks.raise_for_status()
        metadata["jwks"] = jwks.json()
    except (requests.RequestException, ValueError, KeyError) as error:
        logger.warning("Pro Santé Connect injoignable (%s).", type(error).__name__)
        raise PscError(PROVIDER_DOWN, status=503) from error
    with _metadata_lock:
        _metadata_cache[url] = (now, metadata)
    return dict(metadata)


def token_auth_method(metadata: dict) -> str:
    """How the client authenticates at the token endpoint: PSC_TOKEN_AUTH_METHOD when set, else basic when the
    provider offers it (or says nothing: basic is the OpenID default), else post when offered."""
    if settings.PSC_TOKEN_AUTH_METHOD:
        return settings.PSC_TOKEN_AUTH_METHOD
    supported = metadata.get("token_endpoint_auth_methods_supported") or [BASIC]
    # Neither offered: basic, which the provider will refuse as a configuration error the operator sees.
    return POST if POST in supported and BASIC not in supported else BASIC


def oauth_client(metadata: dict | None = None) -> DjangoOAuth2App:
    """Authlib's client for PSC: PKCE S256, the configured scopes, a short timeout on every call."""
    metadata = metadata if metadata is not None else provider_metadata()
    return DjangoOAuth2App(
        DjangoIntegration(PSC_METHOD),
        name=PSC_METHOD,
        client_id=settings.PSC_CLIENT_ID,
        client_secret=settings.PSC_CLIENT_SECRET,
        client_kwargs={
            "scope": settings.PSC_SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": token_auth_method(metadata),
            "default_timeout": settings.PSC_TIMEOUT,
        },
        **metadata,
    )


def accepted_acr_values() -> list[str]:
    return settings.PSC_ACR_VALUES.split()


def validate_id_token(client: DjangoOAuth2App, token: dict, *, nonce: str) -> dict:
    """The ID token's claims once Authlib has checked signature, iss, aud, exp, iat, nonce and at_hash."""
    claims_options = {
        "iss": {"essential": True, "value": settings.PSC_ISSUER},
        "aud": {"essential": True, "value": settings.PSC_CLIENT_ID},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    try:
        claims = client.parse_id_token(token, nonce=nonce, claims_options=claims_options, leeway=60)
    except (JoseError, requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning("Pro Santé Connect : jeton d'identité refusé (%s).", type(error).__name__)
        raise PscError(TOKEN_INVALID) from error
    if claims is None:
        logger.warning("Pro Santé Connect : réponse sans jeton d'identité.")
        raise PscError(TOKEN_INVALID)
    return dict(claims)


# --- Who logs in ---


@dataclass(frozen=True)
class Identity:
    national_id: str
    acr: str
    auth_mode: str


def identity_from(id_claims: dict, userinfo: dict) -> Identity:
    if userinfo.get("sub") != id_claims.get("sub"):
        raise PscError(TOKEN_INVALID)
    national_id = str(userinfo.get("SubjectNameID") or userinfo.get("preferred_username") or "").strip()
    return Identity(
        national_id=national_id,
        acr=str(id_claims.get("acr") or ""),
        auth_mode=str(id_claims.get("authMode") or userinfo.get("authMode") or ""),
    )


def _refuse(*, user: User | None, identity: Identity, detail: str, message: str) -> PscError:
    """Journal the refused attempt (no token, no code: only who and why) and return the error to show."""
    with transaction.atomic():
        record(
            action=Action.LOGIN_FAILED,
            actor_user=user,
            actor_name=user.display_name if user is not None else UNKNOWN_ACTOR,
            actor_role="",
            card_type=CARD_TYPE,
            login_method=PSC_METHOD,
            auth_mode=identity.auth_mode,
            detail=f"Pro Santé Connect : {detail}",
        )
    return PscError(message, status=403)


def platform_refused(reason: str, method: str) -> PscError:
    """The provider refused our client at the token endpoint: journaled and logged at ERROR for the operator
    (the error code and the method used, never the secret nor the code), a configuration error for the doctor."""
    logger.error(
        "Pro Santé Connect refuse la plateforme au point de jeton (%s, authentification %s) : vérifiez "
        "l'identifiant du client, son secret et la méthode d'authentification.",
        reason,
        method,
    )
    with transaction.atomic():
        record(
            action=Action.LOGIN_FAILED,
            actor_user=None,
            actor_name=UNKNOWN_ACTOR,
            actor_role="",
            card_type=CARD_TYPE,
            login_method=PSC_METHOD,
            auth_mode="",
            detail=f"Pro Santé Connect : la plateforme est refusée au point de jeton ({reason}, authentification "
            f"{method}) ; vérifiez l'identifiant du client, son secret et PSC_TOKEN_AUTH_METHOD",
        )
    return PscError(PLATFORM_REFUSED, status=502, for_operator=True)


def user_for(identity: Identity) -> User:
    """The account of the directory professional PSC identified; refusals are journaled."""
    if not identity.national_id:
        raise _refuse(
            user=None,
            identity=identity,
            detail="aucun identifiant national dans la réponse",
            message="Pro Santé Connect n'a pas transmis votre identifiant national : la connexion est impossible.",
        )
    user = User.objects.select_related("professional").filter(identifier=identity.national_id).first()
    professional = (
        user.professional
        if user is not None and user.professional_id
        else Professional.objects.filter(national_id=identity.national_id).first()
    )
    if professional is None:
        raise _refuse(
            user=user,
            identity=identity,
            detail=f"identifiant national {identity.national_id} inconnu de l'annuaire",
            message="Votre identité n'est pas connue de l'espace médecins : aucun professionnel de l'annuaire "
            "ne correspond à votre identifiant national.",
        )
    # The rule every login method shares (accounts.services), asked before an account is created.
    refusal = refusal_for(professional)
    if refusal:
        raise _refuse(
            user=user,
            identity=identity,
            detail=f"identifiant national {identity.national_id} : inscription à l'annuaire inactive",
            message=refusal,
        )
    if user is not None and not user.is_active:
        raise _refuse(
            user=user,
            identity=identity,
            detail=f"identifiant national {identity.national_id} inactif",
            message="Votre compte n'est plus actif dans l'espace médecins : la connexion est impossible. "
            "Contactez l'opérateur de la plateforme.",
        )
    if identity.acr not in accepted_acr_values():
        raise _refuse(
            user=user,
            identity=identity,
            detail=f"niveau d'authentification insuffisant ({identity.acr or 'absent'})",
            message="Le niveau d'authentification de Pro Santé Connect est insuffisant. "
            "Connectez-vous avec votre carte CPS ou votre e-CPS.",
        )
    if user is None:
        # First login of a directory professional: the account takes the directory's names, not PSC's.
        user = User.objects.create_user(
            identity.national_id,
            first_name=professional.first_name,
            last_name=professional.last_name,
            email=professional.first_email,
            professional=professional,
        )
    return user


# --- The login method ---


def error_page(request, error: PscError):
    return render(
        request,
        "accounts/login_error.html",
        {"title": "Connexion impossible", "message": error.message, "for_operator": error.for_operator},
        status=error.status,
    )


class ProSanteConnect(LoginMethod):
    key = PSC_METHOD
    label = "Pro Santé Connect"
    template_name = "accounts/methods/psc.html"
    # Every view (the start and the callback): one counter per IP address.
    rate_limits = (Rule("psc-ip", "RATELIMIT_PSC_PER_IP", "ip", tuple(ALL)),)

    def is_enabled(self) -> bool:
        return bool(settings.PSC_ISSUER and settings.PSC_CLIENT_ID and settings.PSC_CLIENT_SECRET)

    def form_action_origins(self) -> list[str]:
        # The start and « Se déconnecter » post a form answered by a redirect to the provider (authorization, end
        # of session); browsers apply form-action to it. CSP_FORM_ACTION_ORIGINS adds another host if PSC uses one.
        return [settings.PSC_ISSUER]

    def get_context(self, request) -> dict:
        return {"next": request.GET.get("next", "")}

    def urlpatterns(self) -> list:
        return [
            path("", require_POST(self.start_view), name="psc-login"),
            path("retour/", require_GET(self.callback_view), name="psc-callback"),
        ]

    def start_view(self, request):
        """Send the browser to PSC with a fresh state, nonce and PKCE challenge."""
        if not self.is_enabled():
            raise Http404
        redirect_uri = request.build_absolute_uri(reverse("accounts:psc-callback"))
        try:
            client = oauth_client()
            authorization = client.create_authorization_url(
                redirect_uri, acr_values=settings.PSC_ACR_VALUES, state=secrets.token_urlsafe(32)
            )
        except PscError as error:
            return error_page(request, error)
        request.session[SESSION_PENDING] = {
            "state": authorization["state"],
            "nonce": authorization["nonce"],
            "code_verifier": authorization["code_verifier"],
            "redirect_uri": redirect_uri,
            "next": safe_next_url(request, request.POST.get("next")),
            "started": time.time(),
        }
        return redirect(authorization["url"])

    def callback_view(self, request):
        if not self.is_enabled():
            raise Http404
        # Single use: whatever happens next, this pending login is over (a replayed callback finds nothing).
        pending = request.session.pop(SESSION_PENDING, None)
        try:
            user, identity, token, next_url = self._finish(request, pending)
        except PscError as error:
            return error_page(request, error)
        try:
            complete_login(request, user=user, card_type=CARD_TYPE, method=PSC_METHOD, auth_mode=identity.auth_mode)
        except LoginRefused as refused:
            return error_page(request, PscError(refused.message, status=403))
        request.session[SESSION_ID_TOKEN] = token["id_token"]
        return redirect(next_url)

    def _finish(self, request, pending):
        state = request.GET.get("state", "")
        if (
            not pending
            or not state
            or not secrets.compare_digest(state, pending["state"])
            or time.time() - pending["started"] > PENDING_MAX_AGE
        ):
            logger.warning("Pro Santé Connect : retour sans demande en cours ou état (state) différent.")
            raise PscError(FLOW_BROKEN)
        if request.GET.get("error"):
            logger.info("Pro Santé Connect a renvoyé l'erreur %s.", request.GET["error"][:100])
            if request.GET["error"] == "access_denied":
                raise PscError("Vous avez annulé la connexion avec Pro Santé Connect.")
            raise PscError("Pro Santé Connect a refusé la connexion. Recommencez la connexion.", status=502)
        code = request.GET.get("code")
        if not code:
            raise PscError(FLOW_BROKEN)
        # RFC 9207: a provider that says who it is must be ours (mix-up attacks).
        if "iss" in request.GET and request.GET["iss"].rstrip("/") != settings.PSC_ISSUER:
            logger.warning("Pro Santé Connect : retour d'un autre émetteur.")
            raise PscError(FLOW_BROKEN)
        client = oauth_client()
        try:
            token = client.fetch_access_token(
                redirect_uri=pending["redirect_uri"], code=code, code_verifier=pending["code_verifier"]
            )
        except requests.RequestException as error:
            logger.warning("Pro Santé Connect : échange du code impossible (%s).", type(error).__name__)
            raise PscError(PROVIDER_DOWN, status=503) from error
        except (OAuthError, ValueError) as error:
            reason = str(getattr(error, "error", "") or "")[:100]
            if reason in CLIENT_ERRORS:
                raise platform_refused(reason, client.client_kwargs["token_endpoint_auth_method"]) from error
            logger.warning("Pro Santé Connect : code refusé (%s).", reason)
            raise PscError(FLOW_BROKEN) from error
        id_claims = validate_id_token(client, token, nonce=pending["nonce"])
        try:
            userinfo = dict(client.userinfo(token=token))
        except (requests.RequestException, ValueError) as error:
            logger.warning(
                "Pro Santé Connect : informations de l'utilisateur indisponibles (%s).", type(error).__name__
            )
            raise PscError(PROVIDER_DOWN, status=503) from error
        identity = identity_from(id_claims, userinfo)
        return user_for(identity), identity, token, pending["next"]

    def logout_url(self, request) -> str | None:
        """PSC's end-session endpoint, back to the login page; None (local logout only) when PSC is down."""
        id_token = request.session.get(SESSION_ID_TOKEN)
        if not self.is_enabled() or not id_token:
            return None
        try:
            metadata = provider_metadata()
        except PscError:
            return None
        if not metadata.get("end_session_endpoint"):
            return None
        client = oauth_client(metadata)
        return client.create_logout_url(
            post_logout_redirect_uri=request.build_absolute_uri(reverse("accounts:login")),
            id_token_hint=id_token,
            client_id=settings.PSC_CLIENT_ID,
        )["url"]
