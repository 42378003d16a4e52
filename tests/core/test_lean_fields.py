"""The lean field groups (core.forms.LeanBoundField) draw exactly django-dsfr's HTML, for every field of every form of
the project, empty, filled, refused, with text that needs escaping."""

import importlib
import re

import pytest
from django import forms
from django.http import QueryDict
from django.test.html import parse_html
from django.test.signals import template_rendered
from django.utils import translation
from dsfr.forms import DsfrBoundField
from dsfr.widgets import Toggle

from core.forms import DSFR_RENDERER, DsfrForm, DsfrModelForm, LeanBoundField, _attrs
from delegations.models import Kind
from tests.factories import CardFactory, DelegationFactory, DossierFactory

FORM_MODULES = [
    "accounts.methods.demo",
    "delegations.forms",
    "directory.forms",
    "dossiers.forms",
    "oversight.forms",
]
TRICKY = 'A <b>« é » & "quotes"</b>'


def _project_forms() -> set[type]:
    # Every view and what it imports: a form added anywhere in the project is found, whatever ran before.
    importlib.import_module("config.urls")
    for module in FORM_MODULES:
        importlib.import_module(module)
    found, todo = set(), [DsfrForm, DsfrModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.split(".")[0] != "tests":
                found.add(sub)
                todo.append(sub)
    return found


class OwnTemplateField(forms.CharField):
    template_name = "dsfr/form_field_snippets/input_snippet.html"


class RenderedByItself(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None):
        return "<input data-own>"


class EdgeCases(DsfrForm):
    """What the project's forms do not use yet and a form might: each must still give django-dsfr's HTML."""

    count = forms.IntegerField(label="Nombre", min_value=1, help_text="<em>au moins 1</em>")
    share = forms.DecimalField(label="Part", required=False, localize=True)
    site = forms.URLField(
        label="Site", required=False, disabled=True, initial="https://exemple.fr/?a=1&b=<2>", assume_scheme="https"
    )
    since = forms.DateField(label="Depuis", required=False, show_hidden_initial=True, initial="2026-01-02")
    rate = forms.ChoiceField(label="Taux", choices=[(1.5, 1.5), ("Groupe", [(2.5, 2.5)])], required=False)
    toggle = forms.BooleanField(label="Interrupteur", required=False, widget=Toggle)
    own = OwnTemplateField(label="Gabarit propre", required=False)
    itself = forms.CharField(label="Dessiné par lui-même", required=False, widget=RenderedByItself)


def _recipes():
    """Each form of the project, unbound and bound with values that fill, refuse and need escaping."""
    from accounts.methods.demo import DemoCardLoginForm
    from delegations.forms import (
        AssistantDelegationForm,
        ColleagueDelegationForm,
        ModifyDelegationForm,
        RightsAndDatesForm,
    )
    from delegations.forms import DirectorySearchForm as ColleagueSearchForm
    from directory.forms import DirectorySearchForm
    from dossiers.forms import DossierFilterForm, MedicalForm, NewDossierForm
    from oversight.forms import ActionFilterForm, PreferencesForm

    card = CardFactory(holder__last_name=TRICKY)
    dossier = DossierFactory(antecedents=TRICKY + "\nligne 2", gir=3)
    delegation = DelegationFactory(kind=Kind.ASSISTANT, can_consult=True)
    delegates = [(7, TRICKY), (9, "Sophie BERNARD")]
    return {
        EdgeCases: [
            lambda: EdgeCases(),
            lambda: EdgeCases({"count": "0", "share": "1,5", "rate": "2.5", "toggle": "on", "since": "2026-01-03"}),
            lambda: EdgeCases({"count": "abc", "share": "x", "initial-since": "2026-01-02", "since": "hier"}),
        ],
        DemoCardLoginForm: [
            lambda: DemoCardLoginForm(),
            lambda: DemoCardLoginForm({"card": str(card.pk), "pin": "12"}),
            lambda: DemoCardLoginForm({"card": "999999999", "pin": ""}),
        ],
        AssistantDelegationForm: [
            lambda: AssistantDelegationForm(),
            lambda: AssistantDelegationForm({"last_name": TRICKY, "email": "pas une adresse", "starts_on": "x"}),
        ],
        ColleagueDelegationForm: [
            lambda: ColleagueDelegationForm(),
            lambda: ColleagueDelegationForm(directory_email="a@example.org"),
            lambda: ColleagueDelegationForm({"email": TRICKY, "ends_on": "2026-13-40"}),
        ],
        ModifyDelegationForm: [
            lambda: ModifyDelegationForm(delegation=delegation),
            lambda: ModifyDelegationForm({"starts_on": ""}, delegation=delegation),
        ],
        RightsAndDatesForm: [lambda: RightsAndDatesForm({"ends_on": "2020-01-01"}, kind=Kind.COLLEAGUE)],
        ColleagueSearchForm: [
            lambda: ColleagueSearchForm(),
            lambda: ColleagueSearchForm({"name": TRICKY, "place": "x" * 200}),
        ],
        DirectorySearchForm: [
            lambda: DirectorySearchForm(),
            lambda: DirectorySearchForm({"name": TRICKY, "profession": "inconnue"}),
        ],
        DossierFilterForm: [
            lambda: DossierFilterForm(),
            lambda: DossierFilterForm({"q": TRICKY, "status": "en_cours"}),
            lambda: DossierFilterForm({"q": "x" * 200, "status": "n'existe pas"}),
        ],
        MedicalForm: [
            lambda: MedicalForm(instance=dossier, initial={"version": dossier.version}),
            lambda: MedicalForm({"gir": "9", "allergies": "x" * 5000, "version": "1"}, instance=dossier),
            lambda: MedicalForm({"gir": "2", "pathologies": TRICKY, "version": ""}, instance=dossier),
            # A text that starts with a line break keeps it (the browser drops the one after <textarea>).
            lambda: MedicalForm({"traitements": "\n\nHTA", "version": "1"}, instance=dossier),
        ],
        NewDossierForm: [
            lambda: NewDossierForm(),
            lambda: NewDossierForm({"birth_name": TRICKY, "birth_date": "31/02/1930", "dossier_type": "?"}),
        ],
        ActionFilterForm: [
            lambda: ActionFilterForm(QueryDict(), delegates=delegates),
            lambda: ActionFilterForm(
                QueryDict("filtrer=1&delegue=7&action=modification&du=2026-12-01&au=2026-11-01&patient=%3Cb%3E"),
                delegates=delegates,
            ),
            lambda: ActionFilterForm(QueryDict("delegue=abc&du=hier"), delegates=delegates),
        ],
        PreferencesForm: [lambda: PreferencesForm(), lambda: PreferencesForm({"mail_on_validation": "on"})],
    }


def _both(form, name):
    form.is_valid() if form.is_bound else None
    field = form.fields[name]
    lean = LeanBoundField(form, field, name).as_field_group()
    dsfr = DsfrBoundField(form, field, name).as_field_group()
    return lean, dsfr


@pytest.mark.django_db
@translation.override("fr")  # numbers written the French way (1,5), as on the site
def test_every_field_of_every_form_is_drawn_as_django_dsfr_draws_it():
    recipes = _recipes()
    assert set(recipes) - {EdgeCases} == _project_forms(), "a form of the project has no recipe here"
    drawn_lean = set()
    for form_class, makers in recipes.items():
        for make in makers:
            form = make()
            assert isinstance(form[next(iter(form.fields))], LeanBoundField)
            for name, field in form.fields.items():
                # The widget alone, as `{{ field }}` and the hidden fields draw it.
                lean, dsfr = str(LeanBoundField(form, field, name)), str(DsfrBoundField(form, field, name))
                assert parse_html(lean) == parse_html(dsfr), f"{form_class.__name__}.{name}:\n{lean}\n!=\n{dsfr}"
                if field.widget.is_hidden:
                    drawn_lean.add(type(field.widget).__name__)
                    continue
                lean, dsfr = _both(form, name)
                assert parse_html(lean) == parse_html(dsfr), f"{form_class.__name__}.{name}:\n{lean}\n!=\n{dsfr}"
                # parse_html trims the text of a <textarea>, where a line break counts: the very same characters.
                textarea = re.compile(r"<textarea.*?</textarea>", re.S)
                assert textarea.findall(lean) == textarea.findall(dsfr)
                if field.widget.template_name in (
                    "django/forms/widgets/text.html",
                    "django/forms/widgets/select.html",
                    "django/forms/widgets/textarea.html",
                    "django/forms/widgets/date.html",
                    "django/forms/widgets/email.html",
                    "django/forms/widgets/password.html",
                    "django/forms/widgets/checkbox.html",
                    "django/forms/widgets/number.html",
                    "django/forms/widgets/url.html",
                ):
                    drawn_lean.add(type(field.widget).__name__)
    # The comparison covered each kind of widget the lean path draws.
    assert {
        "TextInput",
        "Select",
        "Textarea",
        "DateInput",
        "EmailInput",
        "PasswordInput",
        "CheckboxInput",
    } <= drawn_lean


def _templates_drawn(draw) -> list[str]:
    names: list[str] = []

    def note(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(note)
    try:
        draw()
    finally:
        template_rendered.disconnect(note)
    return names


@pytest.mark.django_db
def test_the_lean_path_draws_no_template_and_the_comparison_can_fail():
    from dossiers.forms import DossierFilterForm

    form = DossierFilterForm({"q": TRICKY, "status": "en_cours"})  # valid: an error list has its own templates
    for name in ("q", "status"):
        assert _templates_drawn(LeanBoundField(form, form.fields[name], name).as_field_group) == []
        assert _templates_drawn(DsfrBoundField(form, form.fields[name], name).as_field_group)
    lean, dsfr = _both(form, "q")
    assert "&lt;b&gt;" in lean and "<b>" not in lean
    assert parse_html(lean.replace('class="fr-input"', 'class="fr-input x"')) != parse_html(dsfr)


def test_a_field_the_lean_path_does_not_know_keeps_django_dsfr_templates():
    class Form(DsfrForm):
        choice = forms.ChoiceField(label="Choix", choices=[("a", "A")], widget=forms.RadioSelect)
        ticks = forms.MultipleChoiceField(label="Cocher", choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)

    form = Form()
    for name in ("choice", "ticks"):
        lean, dsfr = _both(form, name)
        assert lean == dsfr


def test_each_value_is_escaped_as_format_html_escapes_it():
    from django.utils.functional import lazy
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from core.forms import _escaped

    safe_when_read = lazy(lambda: mark_safe("<i>déjà sûr</i>"), str)()
    for value in (None, 0, 1.5, TRICKY, mark_safe(TRICKY), gettext_lazy(TRICKY), safe_when_read):
        assert _escaped(value) == conditional_escape(value)


def test_attributes_are_written_as_django_writes_them():
    attrs = {"a": "", "b": True, "c": False, "d": None, "e": 0, "f": '<"&>', "data-x": "y"}
    django = DSFR_RENDERER.render("django/forms/widgets/attrs.html", {"widget": {"attrs": attrs}})
    assert str(_attrs(attrs)) == " " + django  # the renderer strips what it draws
