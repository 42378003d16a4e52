from django import forms

from core.forms import DsfrForm

from .models import DOCTOR_PROFESSION_CODE

ALL_PROFESSIONS = "tous"
PROFESSION_CHOICES = [
    (DOCTOR_PROFESSION_CODE, "Médecins"),
    ("40", "Chirurgiens-dentistes"),
    ("50", "Sages-femmes"),
    ("21", "Pharmaciens"),
    ("60", "Infirmiers"),
    ("70", "Masseurs-kinésithérapeutes"),
    (ALL_PROFESSIONS, "Toutes les professions"),
]


class DirectorySearchForm(DsfrForm):
    name = forms.CharField(label="Nom", max_length=100, required=False, help_text="Le début du nom suffit")
    first_name = forms.CharField(label="Prénom", max_length=100, required=False)
    place = forms.CharField(
        label="Lieu d'exercice", max_length=100, required=False, help_text="Commune, code postal ou département"
    )
    profession = forms.ChoiceField(label="Profession", choices=PROFESSION_CHOICES, required=False)

    def search_arguments(self) -> dict | None:
        """The arguments of `search_professionals`, or None when there is nothing to search for."""
        data = self.cleaned_data
        if not (data["name"].strip() or data["place"].strip()):
            return None
        profession = data["profession"] or DOCTOR_PROFESSION_CODE
        return {
            "name": data["name"],
            "first_name": data["first_name"],
            "place": data["place"],
            "profession_code": None if profession == ALL_PROFESSIONS else profession,
        }
