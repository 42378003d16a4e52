"""The volet médical drawn by its one flat template is the HTML django-dsfr draws field by field."""

import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html

from dossiers.forms import MedicalForm
from tests.factories import DossierFactory


def flat(form):
    return parse_html(render_to_string("dossiers/_medical_form.html", {"form": form}))


def dsfr(form):
    return parse_html(form.render())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {},
        {"antecedents": "HTA <b>& « diabète »\nligne 2", "gir": 3, "allergies": '"pénicilline"'},
        {"gir": 6, "commentaire": "  espaces  "},
    ],
)
def test_unbound_form_same_html_as_dsfr(values):
    dossier = DossierFactory(**values)
    form = MedicalForm(instance=dossier, initial={"version": dossier.version})
    assert flat(form) == dsfr(form)
    assert 'name="version"' in render_to_string("dossiers/_medical_form.html", {"form": form})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"gir": "9", "antecedents": "x" * 5000, "version": "1"},  # two field errors
        {"gir": "2", "pathologies": "AVC", "version": ""},  # a refused hidden field
        {"gir": "", "traitements": "<script>", "version": "4"},  # valid
    ],
)
def test_bound_form_same_html_as_dsfr(data):
    form = MedicalForm(data, instance=DossierFactory())
    form.is_valid()
    form.add_error(None, "Ce dossier a été modifié entre-temps par une autre personne.")
    html = render_to_string("dossiers/_medical_form.html", {"form": form})
    assert flat(form) == dsfr(form)
    assert "modifié entre-temps" in html and "&lt;script&gt;" not in html or data["traitements"] == "<script>"


def test_the_comparison_sees_a_difference():
    # The check is not vacuous: a changed value or attribute makes the two differ.
    assert parse_html('<textarea name="a" id="id_a">\nx</textarea>') != parse_html(
        '<textarea name="a" id="id_a">\ny</textarea>'
    )
    assert parse_html('<option value="1" selected>GIR 1</option>') != parse_html('<option value="1">GIR 1</option>')
