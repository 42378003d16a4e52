"""The rows drawn by Jinja2 ({% jinja %}, core/jinja.py) read as Django would have drawn them."""

import datetime

import pytest
from django.template import Context, Template, engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

VALUES = [
    'Lefèvre & fils <b>« l\'aîné »</b> "cité"',
    mark_safe("<strong>déjà sûr</strong>"),  # noqa: S308  # a value Django marked safe
    gettext_lazy("Texte <paresseux> d'une traduction"),
    42,
    None,
    datetime.date(2026, 12, 3),
    datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC),
    1234567,
    3.5,
    ["liste", "<de> textes"],
]


def django_draws(source: str, **values) -> str:
    return Template("{% load formats %}" + source).render(Context(values))


def jinja_draws(source: str, **values) -> str:
    return engines["jinja2"].from_string(source).render(values)


@pytest.mark.parametrize("value", VALUES)
def test_a_value_is_escaped_as_django_escapes_it(value):
    assert jinja_draws("<p>{{ v }}</p>", v=value) == django_draws("<p>{{ v }}</p>", v=value)


def test_the_date_filter_shows_the_local_time_of_an_aware_date_and_time():
    winter = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)  # 4 December, 00:30 in Paris
    source = '{{ d|strftime("%d/%m/%Y %H:%M") }}'
    assert jinja_draws(source, d=winter) == "04/12/2026 00:30"
    assert jinja_draws(source, d=winter) == django_draws('{{ d|strftime:"%d/%m/%Y %H:%M" }}', d=winter)
    assert jinja_draws(source, d=None) == django_draws('{{ d|strftime:"%d/%m/%Y %H:%M" }}', d=None) == ""


def test_a_missing_attribute_is_empty_as_in_django():
    class Entry:
        dossier = None

    source = "[{{ entry.dossier.patient.display_name }}]"
    assert jinja_draws(source, entry=Entry()) == "[]"
    assert django_draws(source, entry=Entry()) == "[]"


@pytest.mark.django_db
def test_the_tag_gives_the_template_only_the_values_named():
    page = Template('{% load jinja %}{% jinja "dossiers/_list_rows.html" page=rows %}|{{ secret }}').render(
        Context({"rows": [], "secret": "visible ici seulement"})
    )
    assert "Aucun dossier ne correspond." in page
    assert page.count("visible ici seulement") == 1
    # An app's function registered in ready() is there (the dossiers' status badge).
    assert "status_badge" in engines["jinja2"].env.globals
