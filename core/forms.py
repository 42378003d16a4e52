"""DSFR rendering for model forms too (django-dsfr gives it to plain forms only)."""

from django import forms
from dsfr.forms import DsfrBaseForm, DsfrBoundField, DsfrDjangoTemplates
from dsfr.utils import dsfr_input_class_attr

from .text import is_email_address, strip_controls

# django-dsfr gives each form instance a new renderer, hence a new template engine that compiles the form
# templates again on every request (a third of a dossier page's time). One renderer for every form, as Django
# does with its default renderer (thread-safe), keeps them compiled.
DSFR_RENDERER = DsfrDjangoTemplates()


HIDDEN_FIELD_REFUSED = "Le formulaire envoyé est incomplet ou a été modifié : rechargez la page et recommencez."


def error_summary(form: forms.BaseForm) -> list[dict[str, str]]:
    """Every error of a bound form, for the error summary at the top of the page (core/_error_summary.html, drawn by
    base.html for each invalid form of the page): {"text", "href"}, href "" when no field holds it. A form may say
    it otherwise with its own `error_summary_items()`."""
    own = getattr(form, "error_summary_items", None)
    if own is not None:
        items: list[dict[str, str]] = own()
        return items
    return default_error_summary(form)


def default_error_summary(form: forms.BaseForm) -> list[dict[str, str]]:
    items = [{"text": str(message), "href": ""} for message in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        if field.is_hidden:
            items.append({"text": HIDDEN_FIELD_REFUSED, "href": ""})
            continue
        # A group of radios or checkboxes has no id of its own: its first box.
        anchor = field.id_for_label or f"{field.auto_id}_0"
        items += [{"text": f"{field.label} : {message}", "href": f"#{anchor}"} for message in field.errors]
    return items


class DsfrForm(DsfrBaseForm):
    """The base of the project's plain forms: django-dsfr's, with the shared renderer."""

    default_renderer = DSFR_RENDERER


class SingleLineField(forms.CharField):
    """Text on one line (a name): control characters become spaces, so it can never break a mail header."""

    def to_python(self, value):
        return strip_controls(super().to_python(value))  # type: ignore[arg-type]  # "" when empty (empty_value)


class MailAddressField(forms.EmailField):
    """One address a mail can be sent to, by the outbox's own rule (core.text.is_email_address): what Django's
    EmailField lets through and the outbox refuses (a zero-width space, say) is refused here, where the person
    typing it can still correct it."""

    def validate(self, value):
        super().validate(value)
        if value and not is_email_address(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class DsfrModelForm(forms.ModelForm):
    # The DSFR form snippet, plus the errors of hidden fields (a refused `version` must say something).
    template_name = "core/form_snippet.html"
    bound_field_class = DsfrBoundField
    default_renderer = DSFR_RENDERER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def get_context(self):
        context = super().get_context()
        context.setdefault("DSFR_MARK_OPTIONAL_FIELDS", True)
        return context


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
