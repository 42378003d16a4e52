"""core.forms.written_groups writes a form's field groups from the values sent: exactly the HTML each field draws
(core.forms.LeanBoundField, itself django-dsfr's: tests/core/test_lean_fields.py), for every form that uses it, for
any values sent (and any delegates for the filters of « Actions faites en mon nom »), bound or not; a form that
refused something has its fields draw themselves."""

import pytest
from django.http import QueryDict
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.forms import written_groups
from directory.forms import PROFESSION_CHOICES, DirectorySearchForm
from journal.selectors import ACTION_GROUPS
from oversight.forms import ActionFilterForm

# Texts a person may send, with the characters HTML escapes, white space, and lengths about a field's maximum.
text = st.one_of(
    st.text(max_size=30), st.text("<>&\"' \n\té0-9", max_size=12), st.text("ab", min_size=99, max_size=102)
)
maybe = st.one_of(st.none(), st.just(""))
dates = st.one_of(maybe, st.dates().map(str), text)
delegates = st.lists(st.tuples(st.integers(1, 10**6), text), max_size=4, unique_by=lambda d: d[0])


def query_of(values: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in values.items():
        if value is not None:
            query[name] = value
    return query


def assert_written_as_drawn(form) -> None:
    with translation.override("fr"):
        form.is_valid()
        written = written_groups(form)
        for name in form.fields:
            assert written[name] == form[name].as_field_group(), (name, form.data)


@given(delegates, st.data())
def test_the_filters_of_actions_in_my_name(chosen, data):
    known = [str(pk) for pk, _ in chosen] or [""]
    sent = {
        "filtrer": data.draw(st.one_of(st.none(), st.just("1"))),
        "delegue": data.draw(st.one_of(maybe, st.sampled_from(known), text)),
        "action": data.draw(st.one_of(maybe, st.sampled_from(list(ACTION_GROUPS)), text)),
        "patient": data.draw(st.one_of(maybe, text)),
        "du": data.draw(dates),
        "au": data.draw(dates),
        "masquer_consultations": data.draw(st.one_of(st.none(), st.sampled_from(["on", "", "false", "true", "0"]))),
    }
    assert_written_as_drawn(ActionFilterForm(query_of(sent), delegates=chosen))


@given(st.data())
def test_the_directory_search(data):
    sent = {name: data.draw(st.one_of(maybe, text)) for name in ("name", "first_name", "place")} | {
        "profession": data.draw(st.one_of(maybe, st.sampled_from([code for code, _ in PROFESSION_CHOICES]), text))
    }
    query = query_of(sent)
    assert_written_as_drawn(DirectorySearchForm(query or None))


def _refused_forms():
    from django import forms

    from core.forms import DsfrForm

    def form(**fields):
        return type("Form", (DsfrForm,), fields)

    text = {"required": False}
    return [
        form(name=forms.CharField(**text, widget=forms.TextInput(attrs={"id": "nom"}))),
        form(name=forms.CharField(**text, widget=forms.TextInput(attrs={"aria-describedby": "aide"}))),
        form(name=forms.CharField(**text, initial="Dupont")),
        form(name=forms.CharField(**text, label=None)),
        form(name=forms.CharField(**text, template_name="django/forms/field.html")),
        form(name=forms.CharField(required=True)),
        form(box=forms.BooleanField(**text, widget=forms.CheckboxInput(check_test=lambda value: value == "oui"))),
        form(box=forms.BooleanField(**text, help_text="Cochez")),
        form(kind=forms.ChoiceField(**text, choices=[("a", "Un"), ("a", "Deux")])),
        form(kind=forms.ChoiceField(**text, choices=[(1, 1.5), (2, 2.5)])),
        form(kind=forms.ChoiceField(**text, choices=[("Groupe", [("a", "Un")])])),
    ]


@pytest.mark.parametrize("case", range(11))
def test_a_field_it_cannot_write_exactly_draws_itself(case):
    """What `written_groups` does not know (an id or a description set on the widget, an initial value, no label, a
    template of the field's own, a required field, a checkbox with another test or a help text, a list with equal
    values, labels that are not text or groups) is drawn by the fields themselves, bound or not."""
    forms = _refused_forms()
    assert len(forms) == 11
    for data in (None, {"name": "a", "box": "oui", "kind": "a"}):
        assert_written_as_drawn(forms[case](data))
