from django import forms

from core.forms import DateInput, DsfrForm
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
