"""The volet médical as a dossier page opens it is drawn without building the form (dossiers.forms
.drawn_medical_form): exactly the HTML the form draws, whatever the texts, the GIR and the version."""

import re

import pytest
from django.template import engines
from hypothesis import given
from hypothesis import strategies as st

from dossiers.forms import MEDICAL_TEXTS, MedicalForm, drawn_medical_form
from dossiers.models import Dossier
from tests.conftest import login_client
from tests.factories import CardFactory, DossierFactory

# What a text column can hold: any character but NUL, and the lone surrogates that are not text; some texts are
# made of the characters HTML escapes, or of white space and line breaks only.
text = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40),
    st.text("<>&\"' \n\r\té", max_size=12),
)


def drawn_by_the_form(dossier: Dossier) -> str:
    form = MedicalForm(instance=dossier, initial={"version": dossier.version})
    return engines["jinja2"].env.get_template("core/_form.html").render({"form": form})


@given(
    texts=st.fixed_dictionaries({name: st.one_of(text, st.none()) for name in MEDICAL_TEXTS}),
    gir=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
    version=st.integers(min_value=0, max_value=10**9),
)
def test_the_volet_medical_is_drawn_as_the_form_draws_it(texts, gir, version):
    dossier = Dossier(gir=gir, version=version, **texts)
    assert drawn_medical_form(dossier) == drawn_by_the_form(dossier)


def test_each_value_is_in_its_own_place():
    """Not the same HTML by accident (an empty form, say): each text is in its own box, escaped."""
    dossier = Dossier(gir=3, version=41, **{name: f"<{name}> & « {name} »" for name in MEDICAL_TEXTS})
    drawn = drawn_medical_form(dossier)
    for name in MEDICAL_TEXTS:
        assert f'id="id_{name}">\n&lt;{name}&gt; &amp; « {name} »</textarea>' in drawn
    assert '<option value="3" selected>GIR 3</option>' in drawn
    assert '<input type="hidden" name="version" value="41" id="id_version">' in drawn


@pytest.mark.django_db
@pytest.mark.parametrize("trait", ["sent", "archived"])
def test_a_volet_that_can_no_longer_be_edited_is_shown_as_text(trait):
    card = CardFactory(card_type="CPS")
    dossier = DossierFactory(medecin_traitant=card.holder.professional, filled=True, **{trait: True})
    page = login_client(card).get(f"/dossiers/{dossier.number}/").content.decode()
    assert "<textarea" not in page
    shown = re.findall(r"<dt>([^<]*)</dt><dd class=\"app-pre\">([^<]*)</dd>", page)
    assert shown == [
        ("Antécédents", "Hypertension artérielle"),
        ("Pathologies en cours", "Troubles de la marche"),
        ("Traitements en cours", "Amlodipine 5 mg"),
        ("Allergies", "Pénicilline"),
        ("GIR", "GIR 3"),
        ("Commentaire", "Chutes répétées."),
    ]
