"""The filter form of « Actions faites en mon nom » writes its field groups itself when nothing is refused
(ActionFilterForm.groups): exactly the HTML each field draws (core.forms.LeanBoundField, itself django-dsfr's), for
any values sent and any delegates; with an error, the fields draw themselves."""

from django.http import QueryDict
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from journal.selectors import ACTION_GROUPS
from oversight.forms import ActionFilterForm

# Texts a person may send, with the characters HTML escapes and white space.
text = st.one_of(st.text(max_size=30), st.text("<>&\"' \n\té0-9", max_size=12))
maybe = st.one_of(st.none(), st.just(""))
delegates = st.lists(st.tuples(st.integers(1, 10**6), text), max_size=4, unique_by=lambda d: d[0])


@st.composite
def sent(draw) -> tuple[QueryDict, list[tuple[int, str]]]:
    chosen = draw(delegates)
    known = [str(pk) for pk, _ in chosen]
    values = {
        "filtrer": draw(st.one_of(st.none(), st.just("1"))),
        "delegue": draw(st.one_of(maybe, st.sampled_from(known or [""]), text)),
        "action": draw(st.one_of(maybe, st.sampled_from(list(ACTION_GROUPS)), text)),
        "patient": draw(st.one_of(maybe, text, st.text("ab", min_size=99, max_size=102))),
        "du": draw(st.one_of(maybe, st.dates().map(str), text)),
        "au": draw(st.one_of(maybe, st.dates().map(str), text)),
        "masquer_consultations": draw(st.one_of(st.none(), st.sampled_from(["on", "", "false", "true", "0"]))),
    }
    query = QueryDict(mutable=True)
    for name, value in values.items():
        if value is not None:
            query[name] = value
    return query, chosen


@given(sent())
def test_the_written_groups_are_the_fields_own(case):
    query, chosen = case
    with translation.override("fr"):
        form = ActionFilterForm(query, delegates=chosen)
        form.filters()
        for name in form.fields:
            assert form.groups[name] == form[name].as_field_group(), (name, query)


def test_the_usual_forms_are_written_without_the_fields(monkeypatch):
    """As the list opens and as a doctor filters it: no field draws itself (the point of `groups`)."""
    from core.forms import LeanBoundField

    drawn = []
    original = LeanBoundField.as_field_group
    monkeypatch.setattr(LeanBoundField, "as_field_group", lambda self: drawn.append(self.name) or original(self))
    for query in ("", "filtrer=1&action=consultation&du=&au=&patient=&delegue=7", "filtrer=1&au=2026-12-01"):
        form = ActionFilterForm(QueryDict(query), delegates=[(7, "Sophie BERNARD")])
        form.filters()
        assert not form.errors and set(form.groups) == set(form.fields)
    assert drawn == []
    refused = ActionFilterForm(QueryDict("filtrer=1&du=hier"), delegates=[])
    refused.filters()
    assert 'id="id_du-desc-error"' in refused.groups["du"]
    assert sorted(drawn) == sorted(refused.fields)
