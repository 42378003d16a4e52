"""The filter form of « Actions faites en mon nom » writes its field groups itself when nothing is refused
(ActionFilterForm.groups, core.forms.written_groups; the same HTML as each field's own drawing for any values:
tests/core/test_written_groups.py); with an error, the fields draw themselves."""

from django.http import QueryDict

from oversight.forms import ActionFilterForm


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
