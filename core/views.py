"""Home and the French error pages."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.debug import ExceptionReporter
from django.views.generic import TemplateView

from .context_processors import SITE_TITLE

SERVER_ERROR = {
    "title": "Erreur du service",
    "code": 500,
    "message": "Une erreur inattendue est survenue. Réessayez dans quelques instants.",
}
UNAVAILABLE = {
    "title": "Service momentanément indisponible",
    "code": 503,
    "message": "Le service ne peut pas répondre pour le moment. Réessayez dans quelques minutes.",
}
BAD_REQUEST = {
    "title": "Requête invalide",
    "code": 400,
    "message": "La requête n'a pas pu être traitée. Revenez à l'accueil et recommencez.",
}


def home(request):
    # The settings name the pages (core knows no app's URLs).
    return redirect(settings.LOGIN_REDIRECT_URL if request.user.is_authenticated else settings.LOGIN_URL)


def not_found(request, exception=None):
    return render(
        request,
        "core/error.html",
        {
            "title": "Page introuvable",
            "code": 404,
            "message": "La page demandée n'existe pas ou vous n'y avez pas accès.",
        },
        status=404,
    )


def forbidden(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"title": "Accès refusé", "code": 403, "message": "Vous n'avez pas le droit d'effectuer cette action."},
        status=403,
    )


def static_error_page(page: dict) -> str:
    """The error page without the request: no context processor, so no session, user or database read (the
    database may be the very thing that failed)."""
    return render_to_string("core/error.html", {**page, "SITE_TITLE": SITE_TITLE, "DEMO": settings.DEMO})


def static_error(page: dict) -> HttpResponse:
    response = HttpResponse(static_error_page(page), status=page["code"])
    add_never_cache_headers(response)
    return response


def server_error(request):
    return static_error(SERVER_ERROR)


class FrenchExceptionReporter(ExceptionReporter):
    """settings.DEFAULT_EXCEPTION_REPORTER: with DEBUG on (`make run`), Django would answer an error with its English
    technical page and the stack trace; the user gets the French page, the trace stays in the console's log."""

    def get_traceback_html(self):
        from django.core.exceptions import BadRequest, SuspiciousOperation

        client_error = self.exc_type is not None and issubclass(self.exc_type, BadRequest | SuspiciousOperation)
        return static_error_page(BAD_REQUEST if client_error else SERVER_ERROR)

    def get_traceback_text(self):
        return f"{SERVER_ERROR['title']}. {SERVER_ERROR['message']}"


def csrf_failure(request, reason=""):
    return render(
        request,
        "core/error.html",
        {
            "title": "Formulaire expiré",
            "code": 403,
            "message": "Le formulaire a expiré ou n'est pas valide. Rechargez la page et recommencez.",
        },
        status=403,
    )


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'s' if number > 1 else ''}"


def duration(seconds: int) -> str:
    """« 30 minutes », « 1 heure », « 90 secondes »: a duration in seconds, in the largest whole unit."""
    if seconds and seconds % 3600 == 0:
        return _count(seconds // 3600, "heure")
    if seconds and seconds % 60 == 0:
        return _count(seconds // 60, "minute")
    return _count(seconds, "seconde")


class FooterPage(TemplateView):
    """A footer page: its text says what the settings apply (contact, session and invitation durations), read
    from the settings only (core knows no app: accounts.services.operator_contact says the same contact)."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            support_email=settings.SUPPORT_EMAIL,
            support_phone=settings.SUPPORT_PHONE,
            session_idle=duration(settings.SESSION_IDLE_TIMEOUT),
            invitation_validity=_count(settings.INVITATION_VALIDITY_DAYS, "jour"),
            **kwargs,
        )
