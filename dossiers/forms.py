import re
from functools import lru_cache

from django import forms
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.forms import DateInput, DsfrForm, DsfrModelForm
from core.text import escape_html

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


# The volet's texts (its text areas), drawn as values; the GIR is drawn by the form, once per value.
MEDICAL_TEXTS = tuple(
    name for name, field in MedicalForm.base_fields.items() if isinstance(field.widget, forms.Textarea)
)
# Where a value goes in the form drawn once (`_drawn_around`): a text no value can be (NUL is stored nowhere).
_STAND_IN = re.compile(r"\x00(\w+)\x00")


def medical_rows(dossier: Dossier) -> list[tuple[str, str, object]]:
    """(name, label, value) of each field of the volet médical, as the page shows it read-only."""
    return [(name, str(field.label), getattr(dossier, name)) for name, field in MedicalForm.base_fields.items()
            if not field.widget.is_hidden]  # fmt: skip


def drawn_medical_form(dossier: Dossier) -> SafeString:
    """What core/_form.html draws for `MedicalForm(instance=dossier, initial={"version": dossier.version})`, the
    volet médical as it opens: the same HTML, from that form drawn once per GIR with stand-ins where the texts and
    the version go, each value escaped as the form escapes it. Building and drawing the form for each opening of a
    dossier was a tenth of its page (docs/performance.md); tests/dossiers/test_medical_form.py compares the two."""
    values = {name: getattr(dossier, name) for name in MEDICAL_TEXTS} | {"version": dossier.version}
    parts = _drawn_around(dossier.gir)
    drawn = [
        part if k % 2 == 0 else ("" if values[part] in ("", None) else escape_html(str(values[part])))
        for k, part in enumerate(parts)
    ]
    return mark_safe("".join(drawn))  # noqa: S308  # nosec B308 B703: the form's own HTML, each value escaped


@lru_cache(maxsize=16)  # one per GIR (7)
def _drawn_around(gir: int | None) -> list[str]:
    """The unbound form drawn for this GIR, split around its stand-ins: HTML, a value's name, HTML, … HTML."""
    stand_ins = {name: f"\x00{name}\x00" for name in (*MEDICAL_TEXTS, "version")}
    form = MedicalForm(initial={**stand_ins, "gir": gir})
    return _STAND_IN.split(engines["jinja2"].env.get_template("core/_form.html").render({"form": form}))  # type: ignore[attr-defined]  # the Jinja2 backend


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
