"""A URLconf for tests/core/test_fast_reverse.py: one name for a word pattern and a number pattern of another shape
(Django tries the last one first), an argument in the middle of the path, a path to escape in HTML, a path that
holds a marker."""

from django.http import HttpResponse
from django.urls import include, path


def view(request, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("item-by-slug/<slug:slug>/", view, name="item"),
    path("item/<int:pk>/", view, name="item"),
    path("a/<str:first>/b/<int:second>/c", view, name="middle"),
    path("p/<path:rest>", view, name="path"),
    path("u/<uuid:key>/", view, name="uuid"),
    path("x&y/<int:n>/", view, name="ampersand"),
    path("m/908172635400/<int:n>/", view, name="marker"),  # the first argument's marker, literally
    path("ns/", include(([path("<str:x>/", view, name="inner")], "inner_app"), namespace="inner_app")),
]
