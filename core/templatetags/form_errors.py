"""The error summary of every page: base.html asks `{% error_summary_items as form_errors %}` once, draws « Erreur : »
before the page title and the summary at the top of the content when a form of the page was refused. Shared by
every form of the project, whatever its view: the view only puts its forms in the context, as it does anyway
(forms nested deeper, as the login methods' in their blocks, are named in `page_forms`)."""

from django import forms, template

from core.forms import error_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def error_summary_items(context) -> list[dict[str, str]]:
    found: list[forms.BaseForm] = []
    flat = context.flatten()
    for value in [*flat.values(), *flat.get("page_forms", [])]:
        if isinstance(value, forms.BaseForm) and value.is_bound and value.errors and all(f is not value for f in found):
            found.append(value)
    return [item for form in found for item in error_summary(form)]
