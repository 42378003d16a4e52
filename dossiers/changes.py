"""A journal entry's changes as a reader expects them: « champ : avant → après », choices by their labels."""

from typing import Any

from .forms import MedicalForm

EMPTY = "non renseigné"

# The labels of the volet médical's choice fields, as the form offers them (« GIR 3 », not « 3 »).
_CHOICE_LABELS: dict[str, dict[str, str]] = {
    name: {str(value): str(label) for value, label in field.choices if value != ""}
    for name, field in MedicalForm.base_fields.items()
    if hasattr(field, "choices")
}


def _value(field: str, raw: Any) -> str:
    if raw in (None, ""):
        return EMPTY
    text = str(raw)
    return _CHOICE_LABELS.get(field, {}).get(text, text)


def readable_changes(changes: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each change as {label, old, new}, readable; the text as written in the journal, never cut."""
    return [
        {
            "label": str(change.get("label") or change.get("field", "")),
            "old": _value(change.get("field", ""), change.get("old")),
            "new": _value(change.get("field", ""), change.get("new")),
        }
        for change in changes or []
        if isinstance(change, dict)
    ]


def change_lines(changes: list[dict[str, Any]]) -> list[str]:
    """One line per change, for the exports."""
    return [f"{c['label']} : {c['old']} → {c['new']}" for c in readable_changes(changes)]
