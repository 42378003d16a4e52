"""« de » before a name, as French writes it: « Dossier d'André GIRARD », « Dossier de Jean MARTIN »."""

import pytest
from django.template import engines
from hypothesis import given
from hypothesis import strategies as st

from core.text import elides, of

VOWELS = "aeiouAEIOUàâäéèêëîïôöùûüÀÂÄÉÈÊËÎÏÔÖÙÛÜœŒæÆ"
CONSONANTS = "bcdfgjklmnpqrstvwxzBCDFGJKLMNPQRSTVWXZçÇ"
TAIL = st.text(alphabet=st.characters(categories=["L", "Zs"], exclude_characters="\n\r"), max_size=30)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("André GIRARD", "d'André GIRARD"),
        ("Yvette ROUSSEAU", "d'Yvette ROUSSEAU"),
        ("Yann LE GALL", "de Yann LE GALL"),
        ("Hélène ROUX", "d'Hélène ROUX"),
        ("Henri MOREL", "d'Henri MOREL"),
        ("Hans MÜLLER", "de Hans MÜLLER"),
        ("Émile ZOLA", "d'Émile ZOLA"),
        ("ÉLISE", "d'ÉLISE"),
        ("Œdipe ROI", "d'Œdipe ROI"),
        ("Jean MARTIN", "de Jean MARTIN"),
        ("Sophie BERNARD", "de Sophie BERNARD"),
        ("", "de "),
    ],
)
def test_examples(name, expected):
    assert of(name) == expected


@given(first=st.sampled_from(VOWELS), tail=TAIL)
def test_a_name_beginning_with_a_vowel_is_elided(first, tail):
    assert of(first + tail) == f"d'{first}{tail}"


@given(first=st.sampled_from(CONSONANTS), tail=TAIL)
def test_a_name_beginning_with_a_consonant_is_not(first, tail):
    assert of(first + tail) == f"de {first}{tail}"


@given(name=st.text(max_size=40))
def test_the_name_is_kept_whole_after_one_of_the_two_forms(name):
    written = of(name)
    assert written in (f"d'{name}", f"de {name}")
    assert written.startswith("d'") == elides(name)


def test_the_template_filter_is_the_same_rule():
    template = engines["django"].from_string("{% load formats %}Dossier {{ name|de }}")
    assert template.render({"name": "André GIRARD"}) == "Dossier d&#x27;André GIRARD"
    assert template.render({"name": "Jean MARTIN"}) == "Dossier de Jean MARTIN"
