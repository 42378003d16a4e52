"""A URLconf for tests/core/test_fast_reverse.py: one name for a word pattern and a number pattern of another shape
(Django tries the last one first), an argument in the middle of the path, a path to escape in HTML, a path that
holds a marker; and what is left to Django: a `str` and a `uuid` pattern of one name, a `re_path` sharing a name
with a `path`, a converter of our own, an application included twice."""

from django.http import HttpResponse
from django.urls import include, path, re_path, register_converter


def view(request, **kwargs):
    return HttpResponse("")


class NonZero:
    regex = "[1-9][0-9]*"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(NonZero, "nonzero")

twice = ([path("<int:n>/", view, name="page")], "twice")

urlpatterns = [
    path("item-by-slug/<slug:slug>/", view, name="item"),
    path("item/<int:pk>/", view, name="item"),
    path("a/<str:first>/b/<int:second>/c", view, name="middle"),
    path("p/<path:rest>", view, name="path"),
    path("u/<uuid:key>/", view, name="uuid"),
    path("x&y/<int:n>/", view, name="ampersand"),
    path("m/908172635400/<int:n>/", view, name="marker"),  # the first argument's marker, literally
    path("ns/", include(([path("<str:x>/", view, name="inner")], "inner_app"), namespace="inner_app")),
    path("s/<str:x>/", view, name="object"),
    path("o/<uuid:x>/", view, name="object"),
    path("item/<int:pk>/", view, name="archive"),
    re_path(r"^year/(?P<y>[0-9]{4})/$", view, name="archive"),
    path("n/<nonzero:n>/", view, name="nonzero"),
    path("first/", include(twice, namespace="first")),
    path("second/", include(twice, namespace="second")),
]
