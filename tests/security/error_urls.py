"""The site's URLs plus three views that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def denied(request):
    raise PermissionDenied("not_yours")


def missing(request):
    raise Http404("No Dossier matches the given query.")


def broken(request):
    raise RuntimeError("Something broke in the view")


urlpatterns = [
    *urlpatterns,
    path("essai/refuse/", denied),
    path("essai/absent/", missing),
    path("essai/panne/", broken),
]
