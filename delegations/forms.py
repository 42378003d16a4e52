from typing import Any

from django import forms
from django.utils import timezone

from core.forms import DateInput, DsfrForm, MailAddressField, SingleLineField, default_error_summary

from .policy import KINDS, RIGHTS, Kind, problems, rights_for

RIGHTS_LEGEND = "Droits accordés"


def _date(label, required):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"required": f"Saisissez la {label.lower()}.", "invalid": "Saisissez une date valide."},
    )


class RightsAndDatesForm(DsfrForm):
    """The rights a kind of delegation may hold (one checkbox each, from the policy) and its dates."""

    starts_on = _date("Date de début", True)
    ends_on = _date("Date de fin", False)

    fields: dict[str, forms.Field]  # the form's (the DSFR base class is untyped)
    kind: Any = None  # a Kind set by each form, or given; the instance holds its KindPolicy

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = KINDS[kind or self.kind]
        self.right_policies = rights_for(self.kind.kind)
        checkboxes = {p.field: forms.BooleanField(label=p.label, required=False) for p in self.right_policies}
        dates = {name: self.fields.pop(name) for name in ("starts_on", "ends_on")}
        # Checkboxes after the person's fields, before the dates.
        self.fields = {**self.fields, **checkboxes, **dates}
        held = {p.right for p in self.right_policies}
        for policy in self.right_policies:
            attrs = self.fields[policy.field].widget.attrs
            attrs["aria-describedby"] = f"{self[policy.field].auto_id}-hint"
            # The rights it needs, ticked on screen with it (core/static/core/forms.js).
            implied = [self[RIGHTS[r].field].auto_id for r in sorted(policy.implies) if r in held]
            if implied:
                attrs["data-implies"] = " ".join(implied)
        self.fields["ends_on"].required = self.kind.ends_required
        self.fields["starts_on"].initial = self.fields["starts_on"].initial or timezone.localdate()

    @property
    def first_right(self) -> str:
        """The checkbox that holds the problems of the rights as a whole (« Cochez au moins un droit. »)."""
        return self.right_policies[0].field

    def rights_id(self) -> str:
        return self.auto_id % "droits" if self.auto_id else "droits"

    def right_fields(self):
        """(checkbox, hint) of each right. The template writes the hint under its checkbox, outside its label (DSFR
        would put a help_text in it): the checkbox's name stays the right's name, and the hint describes it."""
        return [(self[p.field], p.hint) for p in self.right_policies]

    def rights_errors(self) -> list[str]:
        return list(self.errors.get(self.first_right, []))

    def error_summary_items(self) -> list[dict[str, str]]:
        """As every form's, but the rights' problems under the group's legend, not the first right's label."""
        items = default_error_summary(self)
        first = self[self.first_right]
        for item in items:
            if item["href"] == f"#{first.id_for_label}":
                item["text"] = item["text"].replace(f"{first.label} : ", f"{RIGHTS_LEGEND} : ", 1)
        return items

    def rights(self) -> list:
        return [p.right for p in self.right_policies if self.cleaned_data.get(p.field)]

    def clean(self):
        data = super().clean()
        found = problems(
            kind=self.kind.kind,
            rights=[p.right for p in self.right_policies if data.get(p.field)],
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            today=timezone.localdate(),
        )
        # Every problem at once, on its field: the rights' on the group (its first box), not one round at a time.
        for field, message in found:
            if field is None:
                self.add_error(self.first_right, message)
            elif field not in self.errors:  # a missing required date already says so
                self.add_error(field, message)
        return data


class AssistantDelegationForm(RightsAndDatesForm):
    last_name = SingleLineField(label="Nom", max_length=100, error_messages={"required": "Saisissez le nom."})
    first_name = SingleLineField(label="Prénom", max_length=100, error_messages={"required": "Saisissez le prénom."})
    email = MailAddressField(
        label="Adresse électronique",
        error_messages={"required": "Saisissez l'adresse électronique.", "invalid": "Saisissez une adresse valide."},
    )
    kind = Kind.ASSISTANT


class ColleagueDelegationForm(RightsAndDatesForm):
    email = MailAddressField(
        label="Adresse électronique",
        required=False,
        help_text="L'annuaire n'a pas d'adresse pour ce médecin : saisissez celle où il recevra l'invitation.",
        error_messages={"invalid": "Saisissez une adresse valide."},
    )
    kind = Kind.COLLEAGUE

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
        initial = {p.field: delegation.has_right(p.right) for p in rights_for(delegation.kind)}
        initial.update(starts_on=delegation.starts_on, ends_on=delegation.ends_on)
        super().__init__(*args, initial=initial, kind=delegation.kind, **kwargs)


class DirectorySearchForm(DsfrForm):
    name = forms.CharField(label="Nom", max_length=100, required=False)
    place = forms.CharField(
        label="Lieu d'exercice", max_length=100, required=False, help_text="Commune, code postal ou département"
    )
