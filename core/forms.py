"""DSFR rendering for model forms too (django-dsfr gives it to plain forms only)."""

from functools import cache

from django import forms
from django.conf import settings
from django.forms.widgets import boolean_check
from django.utils.formats import localize
from django.utils.functional import Promise, cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # public in Django, not in the stubs
from django.utils.translation import get_language
from dsfr.forms import DsfrBaseForm, DsfrBoundField, DsfrDjangoTemplates
from dsfr.templatetags.dsfr_tags import dsfr_mark_optionnal_fields as dsfr_mark
from dsfr.utils import dsfr_input_class_attr

from .text import escape_html, is_email_address, strip_controls

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


def _escaped(value) -> str:
    """What Django's format_html does to each value (conditional_escape), without its wrapper for lazy text: a form's
    attributes and options are many, and the wrapper was most of their cost (docs/performance.md)."""
    if type(value) is str:  # most values: a plain text (a subclass may be marked safe)
        return escape_html(value)
    if isinstance(value, Promise):  # as conditional_escape: lazy text is read first (it may be safe text)
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else escape_html(str(value))


_NO_ATTRS = SafeString("")


def _attrs(attrs: dict) -> SafeString:
    """Django's django/forms/widgets/attrs.html: True as a bare name, False left out, anything else as text. Called
    for every option of a list: most have none, and the result is built without mark_safe's wrapper for lazy text."""
    if not attrs:
        return _NO_ATTRS
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {_escaped(name)}")
        elif value is not False:
            parts.append(f' {_escaped(name)}="{_escaped(str(value))}"')
    return SafeString("".join(parts))  # nosec B703: each name and value escaped


def _shown(value):
    # What `{{ value }}` writes: a number in the French way (1,5), a date in local time.
    return localize(template_localtime(value))


def _input(widget: dict) -> SafeString:
    value = "" if widget["value"] is None else f' value="{_escaped(widget["value"])}"'
    return mark_safe(  # noqa: S308  # nosec B308 B703: each part escaped
        f'<input type="{_escaped(widget["type"])}" name="{_escaped(widget["name"])}"{value}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict) -> SafeString:
    value = _escaped(_shown(widget["value"])) if widget["value"] else ""
    return mark_safe(  # noqa: S308  # nosec B308 B703: each part escaped
        f'<textarea name="{_escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'
    )


def _select(widget: dict) -> SafeString:
    parts = [f'<select name="{_escaped(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{_escaped(_shown(group_name))}">')
        parts += [
            f'<option value="{_escaped(o["value"])}"{_attrs(o["attrs"])}>{_escaped(_shown(o["label"]))}</option>'
            for o in options
        ]
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703: each part escaped above


# Django's widget templates drawn here, by the widget's template (a widget with a template of its own is not).
_DRAWN = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in ("text", "email", "password", "date", "number", "url")},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/checkbox.html": _input,
    "django/forms/widgets/hidden.html": _input,
}


@cache
def _optional_mark(language: str | None) -> str:
    # Called with `language` active: django-dsfr's translated « (Optional) ».
    return str(dsfr_mark(forms.BoundField(forms.Form(), forms.CharField(required=False), "optional")))


def optional_mark() -> str:
    """What django-dsfr adds to an optional field's label (« (Optionnel) » in French), or nothing when the setting
    DSFR_MARK_OPTIONAL_FIELDS is off."""
    return _optional_mark(get_language()) if getattr(settings, "DSFR_MARK_OPTIONAL_FIELDS", False) else ""


def _mark(bound_field) -> str:
    """django-dsfr's dsfr_mark_optionnal_fields, its translated text looked up once per language: it was looked up
    for every optional field drawn (docs/performance.md)."""
    if not bound_field.field.required and (mark := optional_mark()):
        return mark
    return dsfr_mark(bound_field)


def _group(
    *, classes: str, checkbox: bool, label_for: str, label, mark: str, help_text, hint_id: str, drawn: str, errors=""
) -> SafeString:
    """django-dsfr's input_snippet.html or checkbox_snippet.html around a drawn widget, with the white space its
    snippets leave between the parts (a space before the hint, a line between the label, the box and the errors),
    so that what a browser or a screen reader makes of it is the same."""
    hint = ""
    if help_text:
        # The form's own text, drawn |safe by django-dsfr's snippet.
        help_text = mark_safe(help_text)  # noqa: S308  # nosec B308 B703
        hint = f' <span class="fr-hint-text" id="{_escaped(hint_id)}_helptext">{_escaped(help_text)}</span>'
    text = _escaped(label) + _escaped(mark) + hint
    label_html = f'<label for="{_escaped(label_for)}" class="fr-label">{text}</label>'
    if checkbox:  # the box before its label
        drawn_group = f'<div class="{_escaped(classes)} fr-mb-2w">\n{drawn}\n{label_html}{errors}\n</div>'
    else:
        drawn_group = f'<div class="{_escaped(classes)}">\n{label_html}\n{drawn}{errors}\n</div>'
    return mark_safe(drawn_group)  # noqa: S308  # nosec B308 B703: each part escaped


INPUT_SNIPPET = "dsfr/form_field_snippets/input_snippet.html"
CHECKBOX_SNIPPET = "dsfr/form_field_snippets/checkbox_snippet.html"


class LeanBoundField(DsfrBoundField):
    """django-dsfr's field group (its input_snippet.html or checkbox_snippet.html around Django's widget templates)
    for text, e-mail, date and number inputs, text areas, lists and single checkboxes, written here in one piece:
    its four to seven nested templates per field made up most of a filter form's cost (docs/performance.md). Django
    still computes everything the widget shows (value, attributes, checked, selected options); groups of radios or
    checkboxes keep django-dsfr's templates. tests/core/test_lean_fields.py checks every field of every form gives
    django-dsfr's HTML."""

    def _drawn_here(self, widget) -> bool:
        # A widget drawn by its standard template, not by a render() of its own.
        return widget.template_name in _DRAWN and type(widget).render is forms.Widget.render

    def as_widget(self, widget=None, attrs=None, only_initial=False) -> SafeString:
        """Django's BoundField.as_widget, the widget's templates written here."""
        widget = widget or self.field.widget
        if only_initial or not self._drawn_here(widget):
            return super().as_widget(widget, attrs, only_initial)
        if self.field.localize:
            widget.is_localized = True
        attrs = self.build_widget_attrs(attrs or {}, widget)
        if self.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", self.auto_id)
        return _DRAWN[widget.template_name](widget.get_context(self.html_name, self.value(), attrs)["widget"])

    def as_field_group(self) -> SafeString:
        widget = self.field.widget
        # The snippet django-dsfr would draw (it chooses by the field's template and the widget's type).
        snippet = self.template_name
        if snippet not in (INPUT_SNIPPET, CHECKBOX_SNIPPET) or widget.is_hidden or not self._drawn_here(widget):
            return super().as_field_group()
        dsfr_input_class_attr(self)  # as the snippet's filter does: the DSFR class, aria-invalid when refused
        drawn = str(self)  # as the snippet's {{ field }}: with the initial value's hidden copy when the field has one
        checkbox = snippet == CHECKBOX_SNIPPET
        group = "fr-checkbox-group" if checkbox else getattr(widget, "group_class", "") or "fr-input-group"
        classes = group + (f" {group}--error" if self.errors else "")
        classes += " fr-input-group--disabled" if self.field.disabled else ""
        errors = f'\n<div id="{_escaped(self.auto_id)}-desc-error">{_escaped(self.errors)}</div>' if self.errors else ""
        return _group(
            classes=classes,
            checkbox=checkbox,
            label_for=self.id_for_label,
            label=self.label,
            mark=_mark(self),
            help_text=self.help_text,
            hint_id=self.auto_id if checkbox else self.id_for_label,
            drawn=drawn,
            errors=errors,
        )


# The widgets `written_groups` writes, by their exact type (a subclass may draw otherwise).
_WRITTEN = (forms.TextInput, forms.Select, forms.CheckboxInput)


def _writable(form: forms.BaseForm, name: str, field: forms.Field) -> bool:
    """A field whose group `written_groups` writes as its LeanBoundField draws it: optional, enabled, labelled, with
    no initial value, no template of its own and no id or description set on its widget; a text or date input, a
    list of texts with different values, or a plain checkbox without help text."""
    widget = field.widget
    if (
        field.required
        or field.disabled
        or field.localize
        or field.show_hidden_initial
        or field.label is None
        or field.initial is not None
        or name in form.initial
        or getattr(field, "template_name", None) is not None
        or getattr(field, "bound_field_class", None) is not None
        or not (type(widget) in _WRITTEN or type(widget) is DateInput)
        or {"id", "aria-describedby"} & widget.attrs.keys()
    ):
        return False
    if isinstance(widget, forms.CheckboxInput):
        return not field.help_text and widget.check_test is boolean_check
    if isinstance(widget, forms.Select):
        choices = list(widget.choices)
        values = [value for value, text in choices if isinstance(text, str)]
        return len(values) == len(choices) == len(set(values))
    return True


def written_groups(form: forms.BaseForm) -> dict[str, SafeString]:
    """Each field's group, the HTML its `as_field_group()` draws, written from the values sent when the form refused
    nothing and every field is one `_writable` knows: a filter form's fields, drawn through Django's widgets, cost
    30 to 60 µs each on every page (docs/performance.md). Otherwise the fields draw themselves. Each form that uses
    it is compared with its fields' own drawing for any values (tests/core/test_written_groups.py)."""
    fields = form.fields
    drawn_here = type(form).bound_field_class is LeanBoundField and not form.prefix and form.auto_id == "id_%s"
    if form.errors or not drawn_here or not all(_writable(form, name, field) for name, field in fields.items()):
        return {name: form[name].as_field_group() for name in fields}
    mark = optional_mark()
    groups = {}
    for name, field in fields.items():
        widget, field_id = field.widget, f"id_{name}"
        sent = widget.value_from_datadict(form.data, form.files, name)
        described = {"aria-describedby": f"{field_id}_helptext"} if field.help_text else {}
        attrs = {**widget.attrs, **described, "id": field_id}
        checkbox = isinstance(widget, forms.CheckboxInput)
        if checkbox:
            drawn = _input(
                {"type": "checkbox", "name": name, "value": None, "attrs": attrs | ({"checked": True} if sent else {})}
            )
        elif isinstance(widget, forms.Select):
            # The option whose value, as text, is the one sent (the values differ: `_writable`).
            chosen = "" if sent is None else str(sent)
            options = [
                {"value": shown, "label": text, "attrs": {"selected": True} if shown == chosen else {}}
                for shown, text in (("" if value is None else str(value), text) for value, text in widget.choices)
            ]
            drawn = _select({"name": name, "attrs": attrs, "optgroups": [(None, options, 0)]})
        else:
            # Django's inputs: the text sent as it was sent; an empty text is no value, an empty date keeps it.
            empty = sent is None or (sent == "" and type(widget) is not DateInput)
            drawn = _input(
                {"type": widget.input_type, "name": name, "value": None if empty else str(sent), "attrs": attrs}
            )
        groups[name] = _group(
            classes="fr-checkbox-group" if checkbox else getattr(widget, "group_class", "") or "fr-input-group",
            checkbox=checkbox,
            label_for=field_id,
            label=field.label,
            mark=mark,
            help_text=field.help_text,
            hint_id=field_id,
            drawn=drawn,
        )
    return groups


class DsfrForm(DsfrBaseForm):
    """The base of the project's plain forms: django-dsfr's, with the shared renderer and the lean field groups."""

    default_renderer = DSFR_RENDERER
    bound_field_class = LeanBoundField

    @cached_property
    def groups(self) -> dict[str, SafeString]:
        """Each field's group (`written_groups`: written from the values sent when nothing is refused), for a
        template that draws the fields one by one (`{{ form.groups.name }}`)."""
        return written_groups(self)


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
    bound_field_class = LeanBoundField
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
