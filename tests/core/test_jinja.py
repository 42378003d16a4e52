"""The rows drawn by Jinja2 ({% jinja %}, core/jinja.py) read as Django would have drawn them."""

import datetime
import html

import pytest
from django.template import Context, Template, engines
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from core.jinja import LOCAL_TIMEZONE
from core.text import escape_html

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


@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=30) | st.text("&<>\"' aé", max_size=10))
def test_a_text_is_escaped_as_html_escape_escapes_it(text):
    assert escape_html(text) == html.escape(text)


def test_the_dates_of_a_drawing_are_in_the_time_zone_it_was_given_or_else_the_current_one():
    """`{% jinja %}` gives the time zone current when it draws (LOCAL_TIMEZONE); a template drawn otherwise reads it."""
    winter = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)
    template = engines["jinja2"].env.from_string('{{ d|strftime("%d/%m/%Y %H:%M") }}')
    context = {"d": winter}
    assert template.render(context) == "04/12/2026 00:30"  # Paris, the default
    with timezone.override("America/New_York"):
        assert template.render(context) == "03/12/2026 18:30"
        assert template.render({**context, LOCAL_TIMEZONE: timezone.get_current_timezone()}) == "03/12/2026 18:30"
    assert template.render({**context, LOCAL_TIMEZONE: datetime.UTC}) == "03/12/2026 23:30"
