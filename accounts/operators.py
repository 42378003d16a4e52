"""Operators (the admin): who they are in the journal, and the admin classes that keep them traced and limited.

An operator is a user like the others: every change he makes through the admin to people, cards, delegations or
dossiers is one entry of the hash-chained journal (who, what, before → after), in the transaction of the change;
Django's own LogEntry (an ordinary, editable table) is never the only trace. Where an operator has no business
writing, the admin is read-only: forbidding beats tracing.
"""

from django.contrib import admin
from django.db import transaction

from core.admin import ReadOnlyAdminMixin
from journal.models import Action
from journal.services import record

from .actor import operator_fields


def _display(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def snapshot(obj, names) -> dict:
    """Field name → text, as the journal shows it (choices by their label, foreign keys by their object)."""
    values = {}
    for name in names:
        field = obj._meta.get_field(name)
        if getattr(field, "choices", None):
            values[name] = _display(getattr(obj, f"get_{name}_display")())
        elif field.many_to_many:
            values[name] = ", ".join(str(o) for o in getattr(obj, name).all()) if obj.pk else ""
        else:
            values[name] = _display(getattr(obj, name, None))
    return values


def diff(model, before: dict, after: dict) -> list[dict]:
    """The journal's change list (the dossier changes' format): field, label, old, new."""
    return [
        {"field": name, "label": str(model._meta.get_field(name).verbose_name), "old": before.get(name, ""), "new": new}
        for name, new in after.items()
        if before.get(name, "") != new
    ]


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Operators read; they neither add, change nor delete (the services journal every change made elsewhere)."""


class JournaledAdmin(admin.ModelAdmin):
    """Every add, change or delete made through this admin is written to the journal, in the transaction of the
    change (the admin's views run in one). Inlines stay read-only (tests/security/test_operators.py checks it)."""

    # The journal entry's dossier= / delegation= when the object is one (never on its deletion: the journal keeps it).
    journal_link: str | None = None

    def _record(self, request, obj, *, detail: str, changes: list | None = None, link: bool = True) -> None:
        links = {self.journal_link: obj} if self.journal_link and link else {}
        record(
            action=Action.OPERATOR_CHANGE,
            **operator_fields(request.user),
            changes=changes or [],
            detail=f"{obj._meta.verbose_name} « {obj} » : {detail}",
            **links,
        )

    @staticmethod
    def _names(form) -> list[str]:
        concrete = {f.name for f in form._meta.model._meta.get_fields() if f.concrete}
        return [name for name in form.changed_data if name in concrete]

    def _save_journaled(self, request, form, save, *, change: bool, link: bool) -> None:
        obj, names = form.instance, self._names(form)
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk), names) if change else {}
        save()
        changes = diff(type(obj), before, snapshot(obj, names))
        if changes or not change:
            detail = "modification" if change else "création"
            self._record(request, obj, detail=detail, changes=changes, link=link)

    def save_model(self, request, obj, form, change):
        self._save_journaled(
            request,
            form,
            lambda: super(JournaledAdmin, self).save_model(request, obj, form, change),
            change=change,
            link=True,
        )

    @transaction.atomic
    def delete_model(self, request, obj):
        self._record(request, obj, detail="suppression", link=False)
        super().delete_model(request, obj)

    @transaction.atomic  # admin actions, unlike the change and delete views, run outside a transaction
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, obj, detail="suppression", link=False)
        super().delete_queryset(request, queryset)
