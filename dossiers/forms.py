from django import forms
from django.utils import timezone

from core.forms import DateInput, DsfrForm, DsfrModelForm

from .models import TEXT_MAX, Dossier, DossierType, Sex, Status


class DossierFilterForm(DsfrForm):
    q = forms.CharField(label="Nom du patient", required=False, max_length=100)
    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous les statuts"), *Status.choices])


def _text_field(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Ce texte est trop long : {TEXT_MAX} caractères au plus."},
    )


class MedicalForm(DsfrModelForm):
    antecedents = _text_field("Antécédents")
    pathologies = _text_field("Pathologies en cours")
    traitements = _text_field("Traitements en cours")
    allergies = _text_field("Allergies")
    gir = forms.TypedChoiceField(
        label="GIR",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Non évalué"), *[(i, f"GIR {i}") for i in range(1, 7)]],
        error_messages={"invalid_choice": "Le GIR doit être un nombre de 1 à 6."},
    )
    commentaire = _text_field("Commentaire")
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Dossier
        fields = ["antecedents", "pathologies", "traitements", "allergies", "gir", "commentaire"]


class NewDossierForm(DsfrForm):
    dossier_type = forms.ChoiceField(label="Type de demande", choices=DossierType.choices)
    birth_name = forms.CharField(
        label="Nom de naissance", max_length=100, error_messages={"required": "Saisissez le nom de naissance."}
    )
    usage_name = forms.CharField(label="Nom d'usage", max_length=100, required=False)
    first_name = forms.CharField(label="Prénom", max_length=100, error_messages={"required": "Saisissez le prénom."})
    birth_date = forms.DateField(
        label="Date de naissance",
        widget=DateInput(),
        error_messages={"required": "Saisissez la date de naissance.", "invalid": "Saisissez une date valide."},
    )
    sex = forms.ChoiceField(
        label="Sexe", choices=Sex.choices, widget=forms.RadioSelect, error_messages={"required": "Indiquez le sexe."}
    )
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        if value.year < 1880:
            raise forms.ValidationError("La date de naissance n'est pas plausible.")
        return value

    def patient_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("birth_name", "usage_name", "first_name", "birth_date", "sex")}


def typed_back(form_class: type[forms.BaseForm], data) -> list[tuple[str, str]]:
    """What a person sent in a form of this class, as (label, text) of each visible field he filled, for him to
    copy when it could not be saved: his raw input only, nothing read from the database."""
    rows = []
    for field in form_class().visible_fields():
        value = str(data.get(field.html_name, ""))[:TEXT_MAX]
        choices = {str(key): str(label) for key, label in getattr(field.field, "choices", [])}
        if value.strip():
            rows.append((str(field.label), choices.get(value, value)))
    return rows
