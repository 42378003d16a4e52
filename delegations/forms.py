from django import forms
from django.utils import timezone

from core.forms import DateInput, DsfrForm, SingleLineField

from .models import Right


def _right_field(right: Right):
    return forms.BooleanField(label=right.label, required=False)


def _date(label, required):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"required": f"Saisissez la {label.lower()}.", "invalid": "Saisissez une date valide."},
    )


class RightsAndDatesForm(DsfrForm):
    can_consult = _right_field(Right.CONSULT)
    can_create = _right_field(Right.CREATE)
    can_edit = _right_field(Right.EDIT)
    can_validate = _right_field(Right.VALIDATE)
    starts_on = _date("Date de début", True)
    ends_on = _date("Date de fin", False)

    allow_validate = True
    end_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.allow_validate:
            del self.fields["can_validate"]
        self.fields["ends_on"].required = self.end_required
        self.fields["starts_on"].initial = self.fields["starts_on"].initial or timezone.localdate()

    def rights(self) -> list[Right]:
        return [r for r in Right if self.cleaned_data.get(f"can_{r.value}")]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"can_{r.value}") for r in Right):
            raise forms.ValidationError("Cochez au moins un droit.")
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "La date de fin doit suivre la date de début.")
        if end and end < timezone.localdate():
            self.add_error("ends_on", "La date de fin est déjà passée.")
        return data


class AssistantDelegationForm(RightsAndDatesForm):
    last_name = SingleLineField(label="Nom", max_length=100, error_messages={"required": "Saisissez le nom."})
    first_name = SingleLineField(label="Prénom", max_length=100, error_messages={"required": "Saisissez le prénom."})
    email = forms.EmailField(
        label="Adresse électronique",
        error_messages={"required": "Saisissez l'adresse électronique.", "invalid": "Saisissez une adresse valide."},
    )
    allow_validate = False
    field_order = ["last_name", "first_name", "email", "can_consult", "can_create", "can_edit", "starts_on", "ends_on"]


class ColleagueDelegationForm(RightsAndDatesForm):
    email = forms.EmailField(
        label="Adresse électronique",
        required=False,
        help_text="L'annuaire n'a pas d'adresse pour ce médecin : saisissez celle où il recevra l'invitation.",
        error_messages={"invalid": "Saisissez une adresse valide."},
    )
    end_required = True

    def __init__(self, *args, directory_email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.directory_email = directory_email
        if directory_email:
            del self.fields["email"]
        else:
            self.fields["email"].required = True
            self.fields["email"].error_messages["required"] = "Saisissez l'adresse électronique du médecin."

    def recipient(self) -> str:
        return self.directory_email or self.cleaned_data["email"]


class ModifyDelegationForm(RightsAndDatesForm):
    def __init__(self, *args, delegation, **kwargs):
        self.allow_validate = delegation.kind == "confrere"
        self.end_required = delegation.kind == "confrere"
        initial = {f"can_{r.value}": delegation.has_right(r) for r in Right}
        initial.update(starts_on=delegation.starts_on, ends_on=delegation.ends_on)
        super().__init__(*args, initial=initial, **kwargs)


class DirectorySearchForm(DsfrForm):
    name = forms.CharField(label="Nom", max_length=100, required=False)
    place = forms.CharField(
        label="Lieu d'exercice", max_length=100, required=False, help_text="Commune, code postal ou département"
    )
