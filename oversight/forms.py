from django import forms
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from core.forms import DateInput, DsfrForm, optional_mark
from core.text import escape_html
from journal.selectors import ACTION_GROUPS

from .selectors import ActionFilters

# Set by the form's own submit: without it (a link from MES DELEGATIONS or the panel), consultations stay hidden.
SUBMITTED = "filtrer"


class ActionFilterForm(DsfrForm):
    delegue = forms.TypedChoiceField(label="Délégué", required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Toutes les actions"), *[(key, label) for key, (label, _) in ACTION_GROUPS.items()]],
    )
    du = forms.DateField(label="Du", required=False, widget=DateInput)
    au = forms.DateField(label="Au", required=False, widget=DateInput)
    patient = forms.CharField(label="Patient", required=False, max_length=100, help_text="Nom ou prénom")
    masquer_consultations = forms.BooleanField(label="Masquer les consultations", required=False)

    def __init__(self, query, *, delegates: list[tuple[int, str]]):
        data = query.copy()
        if SUBMITTED not in data:
            data["masquer_consultations"] = "on"
        super().__init__(data)
        self.fields["delegue"].choices = [("", "Tous les délégués"), *delegates]
        self.delegate_names = dict(delegates)

    @cached_property
    def groups(self) -> dict[str, SafeString]:
        """Each field's group, the same HTML as its `as_field_group()`: for a form without errors (the list as it
        opens and as it is filtered), written here from the values sent; drawn through the fields themselves, at
        50 µs each, it was a tenth of the page (docs/performance.md). With an error, the fields draw themselves.
        tests/oversight/test_filter_form.py compares the two for any values."""
        if self.errors:
            return {name: self[name].as_field_group() for name in self.fields}
        sent = {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
        }
        mark = escape_html(optional_mark())
        groups = {
            name: _select_group(name, self.fields[name].label, mark, self.fields[name].choices, sent[name])
            for name in ("delegue", "action")
        }
        patient, help_id = self.fields["patient"], "id_patient_helptext"
        groups["patient"] = _input_group(
            "patient",
            f'{escape_html(str(patient.label))}{mark} <span class="fr-hint-text" id="{help_id}">'
            f"{escape_html(str(patient.help_text))}</span>",
            f'type="text" name="patient"{_value(sent["patient"])} maxlength="{patient.max_length}" class="fr-input" '
            f'aria-describedby="{help_id}" id="id_patient"',
        )
        for name in ("du", "au"):
            label = f"{escape_html(str(self.fields[name].label))}{mark}"
            # A date sent empty keeps its empty value (Django's DateInput, unlike a text input).
            value = "" if sent[name] is None else f' value="{escape_html(str(sent[name]))}"'
            groups[name] = _input_group(
                name, label, f'type="date" name="{name}"{value} class="fr-input" id="id_{name}"'
            )
        checked = " checked" if sent["masquer_consultations"] else ""
        groups["masquer_consultations"] = SafeString(
            '<div class="fr-checkbox-group fr-mb-2w">\n'
            f'<input type="checkbox" name="masquer_consultations" id="id_masquer_consultations"{checked}>\n'
            f'<label for="id_masquer_consultations" class="fr-label">Masquer les consultations{mark}</label>\n</div>'
        )
        return groups

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("du"), cleaned.get("au")
        if since and until and since > until:
            self.add_error("au", "La date « Au » doit être postérieure ou égale à la date « Du ».")
        return cleaned

    def filters(self) -> ActionFilters:
        """The valid filters (an invalid field filters nothing and says why beside it)."""
        self.is_valid()
        data = self.cleaned_data
        filters = ActionFilters(
            delegate_id=data.get("delegue"),
            group=data.get("action") or "",
            since=data.get("du"),
            until=data.get("au"),
            patient=data.get("patient") or "",
            hide_views=bool(data.get("masquer_consultations")),
        )
        filters.described.extend(self._describe(filters))
        return filters

    def _describe(self, filters: ActionFilters) -> list[str]:
        said = []
        if filters.delegate_id is not None:
            said.append(f"Délégué : {self.delegate_names.get(filters.delegate_id, '')}")
        if filters.group:
            said.append(f"Action : {ACTION_GROUPS[filters.group][0]}")
        if filters.since:
            said.append(f"Du : {filters.since:%d/%m/%Y}")
        if filters.until:
            said.append(f"Au : {filters.until:%d/%m/%Y}")
        if filters.patient:
            said.append(f"Patient : {filters.patient}")
        if filters.hide_views and filters.group != "consultation":
            said.append("Consultations masquées")
        return said


def _value(sent) -> str:
    # What Django's Input draws: the text sent, as it was sent, unless empty.
    return "" if sent in (None, "") else f' value="{escape_html(str(sent))}"'


def _input_group(name: str, label: str, attributes: str) -> SafeString:
    return SafeString(
        f'<div class="fr-input-group">\n<label for="id_{name}" class="fr-label">{label}</label>\n'
        f"<input {attributes}>\n</div>"
    )


def _select_group(name: str, label, mark: str, choices, sent) -> SafeString:
    # Django's Select: the option whose value, as text, is the one sent (the empty one when none is sent); the
    # values of these lists are all different.
    chosen = "" if sent is None else str(sent)
    options = []
    for value, text in choices:
        shown = "" if value is None else str(value)
        selected = " selected" if shown == chosen else ""
        options.append(f'<option value="{escape_html(shown)}"{selected}>{escape_html(str(text))}</option>')
    return SafeString(
        f'<div class="fr-select-group">\n<label for="id_{name}" class="fr-label">'
        f"{escape_html(str(label))}{mark}</label>\n"
        f'<select name="{name}" class="fr-select" id="id_{name}">{"".join(options)}</select>\n</div>'
    )


class PreferencesForm(DsfrForm):
    mail_on_answer = forms.BooleanField(
        label="Quand une personne accepte ou refuse la délégation que je lui propose", required=False
    )
    mail_on_validation = forms.BooleanField(
        label="Quand un confrère valide un volet médical en mon nom",
        required=False,
        help_text="Avec le lien vers le dossier.",
    )
    weekly_summary = forms.BooleanField(
        label="Chaque lundi, le résumé des actions faites en mon nom la semaine passée", required=False
    )
