"""core.reverse and the `{% url %}` builtin that uses it: the same URL as Django's `reverse`, or Django's answer."""

import itertools

import pytest
from django.template import engines
from django.template.defaulttags import URLNode as DjangoURLNode
from django.urls import NoReverseMatch, URLPattern, URLResolver, clear_url_caches, get_resolver, path, reverse

from core.reverse import fast_reverse, reverser
from core.templatetags.fast_url import URLNode

ARGS = [
    0, 7, 12345, -1, True, None, 1.5,
    "12", "007", "2026-000001", "abc_DEF", "a-b",
    "", "a/b", "a b", "é", "a.b", "a~b", "%41", "?x", "#", "1/", "٣",  # not ASCII digits
    "550e8400-e29b-41d4-a716-446655440000",
]  # fmt: skip


def named_patterns(resolver=None, namespace="", before=0):
    """(view name with its namespaces, number of arguments) of every named pattern of the URLconf (with the
    arguments of the includes' prefixes)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern, inner, before + pattern.pattern.regex.groups)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", before + pattern.pattern.regex.groups


def django_answer(name, args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return NoReverseMatch


def check(name, arity):
    answered = 0
    page = reverser()
    for args in itertools.product(ARGS, repeat=arity) if arity <= 2 else [["12"] * arity, ["a/b"] * arity]:
        fast = fast_reverse(name, list(args))
        assert page(name, list(args)) == fast, (name, args)  # a page's links, its URLconf and prefix read once
        if fast is not None:
            assert fast == django_answer(name, list(args)), (name, args)
            answered += 1
    return answered


@pytest.mark.parametrize(("name", "arity"), sorted(set(named_patterns())))
def test_every_named_url_of_the_project_is_reversed_as_django_does(name, arity):
    answered = check(name, arity)
    if arity == 0:
        assert fast_reverse(name, []) == reverse(name)
    if name in ("dossiers:detail", "delegations:detail"):
        assert answered  # the rows' links are answered here, not only by Django


def test_a_name_with_several_patterns_and_converters(settings):
    settings.ROOT_URLCONF = "tests.core.fast_reverse_urls"
    for name, arity in sorted(set(named_patterns())):
        check(name, arity)
    assert fast_reverse("item", [12]) == "/item/12/"
    # Django tries the number pattern first; a word goes to the other pattern, of another shape: Django answers.
    assert fast_reverse("item", ["abc"]) is None
    assert reverse("item", args=["abc"]) == "/item-by-slug/abc/"
    assert fast_reverse("middle", ["x", 3]) == "/a/x/b/3/c"
    assert fast_reverse("middle", ["x", "y"]) is None
    assert fast_reverse("uuid", ["550e8400-e29b-41d4-a716-446655440000"]) is None  # Django's own business
    assert fast_reverse("inner_app:inner", ["w"]) == "/ns/w/"
    assert fast_reverse("missing", []) is None
    assert fast_reverse("marker", [5]) is None
    assert reverse("marker", args=[5]) == "/m/908172635400/5/"
    # Left to Django: converters other than int, str, slug and path, a re_path, an application included twice.
    uuid = "550e8400-e29b-41d4-a716-446655440000"
    assert fast_reverse("object", [uuid]) is None and reverse("object", args=[uuid]) == f"/o/{uuid}/"
    assert fast_reverse("archive", [2026]) is None and reverse("archive", args=[2026]) == "/year/2026/"
    assert fast_reverse("nonzero", ["007"]) is None
    assert fast_reverse("first:page", [1]) is None and fast_reverse("twice:page", [1]) is None


def test_a_changed_urlconf_is_read_again(settings, monkeypatch):
    before = fast_reverse("dossiers:detail", ["1"])
    settings.ROOT_URLCONF = "tests.core.fast_reverse_urls"
    assert fast_reverse("item", [1]) == "/item/1/"
    assert fast_reverse("dossiers:detail", ["1"]) is None
    # The same URLconf changed in place, as a test reloading it does: Django's clear_url_caches() is enough.
    from tests.core import fast_reverse_urls

    monkeypatch.setattr(
        fast_reverse_urls, "urlpatterns", [path("autre/<int:pk>/", fast_reverse_urls.view, name="item")]
    )
    clear_url_caches()
    assert fast_reverse("item", [1]) == reverse("item", args=[1]) == "/autre/1/"
    monkeypatch.undo()
    clear_url_caches()
    settings.ROOT_URLCONF = "config.urls"
    assert fast_reverse("dossiers:detail", ["1"]) == before


def test_the_script_prefix_is_the_request_s(settings):
    from django.urls import set_script_prefix

    set_script_prefix("/espace/")
    try:
        assert fast_reverse("dossiers:detail", ["1"]) == reverse("dossiers:detail", args=["1"]) == "/espace/dossiers/1/"
        assert reverser()("dossiers:detail", ["1"]) == "/espace/dossiers/1/"
    finally:
        set_script_prefix("/")


def test_what_is_learnt_stays_bounded_whatever_the_script_prefixes():
    from django.urls import set_script_prefix

    from core.reverse import _LEARNT, _MAX_TEMPLATES

    try:
        for n in range(_MAX_TEMPLATES + 5):
            set_script_prefix(f"/p{n}/")
            assert fast_reverse("dossiers:detail", ["1"]) == f"/p{n}/dossiers/1/"
    finally:
        set_script_prefix("/")
    assert 0 < len(_LEARNT[get_resolver()].templates) <= _MAX_TEMPLATES


def test_one_instance_per_application_namespace():
    # The tag leaves the current application aside: it changes nothing while no application is included twice.
    assert all(len(instances) == 1 for instances in get_resolver().app_dict.values())


TEMPLATES = [
    "{% url 'dossiers:detail' number %}",
    "{% url 'dossiers:detail' number as link %}[{{ link }}]",
    "{% url 'dossiers:detail' number=number %}",
    "{% url name number %}",
    "{% autoescape off %}{% url 'dossiers:detail' number %}{% endautoescape %}",
    "{% url 'delegations:detail' pk %}",
    "{% url 'legal-notice' %}",
    "{% url 'legal-notice' x=number %}",
]


def render(source, node_class, context):
    template = engines["django"].from_string(source)
    for node in template.template.nodelist.get_nodes_by_type(DjangoURLNode):
        node.__class__ = node_class
    try:
        return template.render(context)
    except NoReverseMatch:
        return NoReverseMatch


@pytest.mark.parametrize("source", TEMPLATES)
@pytest.mark.parametrize("value", ["2026-000001", "12", 12, "a/b", "<b>", "a&b", "", None])
def test_the_tag_renders_what_django_s_renders(source, value):
    context = {"number": value, "pk": value, "name": "dossiers:detail"}
    ours = render(source, URLNode, context)
    assert ours == render(source, DjangoURLNode, context)


@pytest.mark.parametrize(
    "source", ["{% url 'ampersand' 3 %}", "{% autoescape off %}{% url 'ampersand' 3 %}{% endautoescape %}"]
)
def test_the_tag_escapes_as_django_s_does(settings, source):
    settings.ROOT_URLCONF = "tests.core.fast_reverse_urls"
    assert fast_reverse("ampersand", [3]) == "/x&y/3/"
    assert render(source, URLNode, {}) == render(source, DjangoURLNode, {}) in ("/x&amp;y/3/", "/x&y/3/")


def test_the_tag_is_the_engine_s_url():
    template = engines["django"].from_string("{% url 'dossiers:detail' '1' %}")
    assert [type(node) for node in template.template.nodelist.get_nodes_by_type(DjangoURLNode)] == [URLNode]
