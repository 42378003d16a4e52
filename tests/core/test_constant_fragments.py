"""`{% constant %}`: a part of a page drawn once per process for each value of the variables it names, and never
with anything else of the page."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings


def template(body: str) -> Template:
    return Template("{% load constant static %}" + body)


def test_the_block_sees_only_the_variables_it_names():
    page = template(
        "{% constant title shown=user.ok %}[{{ title }}|{{ shown }}|{{ secret }}|{{ user }}]{% endconstant %}"
    )
    drawn = page.render(Context({"title": "Titre", "user": {"ok": True}, "secret": "dossier 42"}))
    assert drawn == "[Titre|True||]"


def test_it_is_drawn_once_per_value_of_its_variables():
    calls = []

    class Counted:
        def __str__(self):
            calls.append(1)
            return "compté"

    page = template("{% constant nav counted %}{{ nav }}:{{ counted }}{% endconstant %}")
    counted = Counted()
    first = page.render(Context({"nav": "dossiers", "counted": counted}))
    again = page.render(Context({"nav": "dossiers", "counted": counted}))
    other = page.render(Context({"nav": "annuaire", "counted": counted}))
    assert (first, again, other) == ("dossiers:compté", "dossiers:compté", "annuaire:compté")
    assert len(calls) == 2  # drawn for « dossiers » and for « annuaire », copied the second time


def test_a_copy_is_never_someone_elses():
    # Whatever the first page held, the next page with other people's data gets the copy without any of it.
    page = template("{% constant DEMO %}<footer>{% if DEMO %}démo{% endif %}{{ user.name }}</footer>{% endconstant %}")
    assert page.render(Context({"DEMO": True, "user": {"name": "Jean MARTIN"}})) == "<footer>démo</footer>"
    assert page.render(Context({"DEMO": True, "user": {"name": "Sophie BERNARD"}})) == "<footer>démo</footer>"
    assert page.render(Context({"DEMO": False})) == "<footer></footer>"


PLAIN_STATIC = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def test_a_settings_change_draws_it_again():
    page = template("{% constant %}{% static 'core/app.css' %}{% endconstant %}")
    with override_settings(STATIC_URL="/statique/", STORAGES=PLAIN_STATIC):
        assert page.render(Context()) == "/statique/core/app.css"
    with override_settings(STATIC_URL="/autre/", STORAGES=PLAIN_STATIC):
        assert page.render(Context()) == "/autre/core/app.css"


def test_a_value_that_keeps_changing_is_drawn_each_time_without_keeping_copies():
    from core.templatetags.constant import MAX_COPIES

    page = template("{% constant n %}{{ n }}{% endconstant %}")
    for n in range(MAX_COPIES + 5):
        assert page.render(Context({"n": n})) == str(n)
    assert len(page.nodelist[-1].copies) == MAX_COPIES


def test_only_variable_names():
    with pytest.raises(TemplateSyntaxError):
        template("{% constant user.name %}{% endconstant %}")


def test_a_block_inside_is_refused():
    # Each page's own version of the block would be replaced by the first page's.
    with pytest.raises(TemplateSyntaxError):
        template("{% constant %}<nav>{% block extra %}{% endblock %}</nav>{% endconstant %}")


def test_the_request_does_not_reach_the_block():
    from django.template import RequestContext
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = {"name": "Jean MARTIN"}
    page = Template("{% load constant %}{% constant %}[{{ request.user.name }}]{% endconstant %}")
    assert page.render(RequestContext(request, {})) == "[]"
