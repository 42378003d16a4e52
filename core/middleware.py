"""Cross-cutting response rules: no cache for what a logged-in user sees; French pages whatever DEBUG says."""

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponseNotFound
from django.utils.cache import add_never_cache_headers

from .views import BAD_REQUEST, not_found, static_error


class NoStoreMiddleware:
    """Every page a logged-in user sees may show health data (dossiers, history, delegations): no browser, proxy or
    back button cache may keep it (`Cache-Control: no-store`). Public pages (login) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 500 or _is_authenticated(request):
            add_never_cache_headers(response)
        return response


def _is_authenticated(request) -> bool:
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except DatabaseError:
        # The user could not be read: assume the worst.
        return True


class DebugErrorPagesMiddleware:
    """With DEBUG on (`make run`), Django answers an unknown address with its English technical 404: the user gets
    the French page instead. (Errors and 500s: core.views.FrenchExceptionReporter; 403 already uses handler403.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only Django's technical page is an HttpResponseNotFound: the French one is a plain response.
        if settings.DEBUG and isinstance(response, HttpResponseNotFound):
            return not_found(request)
        return response


class NulBytesMiddleware:
    """A NUL byte in the address or its query is no real request, and PostgreSQL refuses it in any text it is
    compared with (a 500 where SQLite finds nothing): the French 400 page, before any view or database read.
    Forms already refuse it (Django's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return static_error(BAD_REQUEST)
        return self.get_response(request)
