"""Text normalisation shared by every search: accents, case, hyphens and apostrophes ignored."""

import re

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize(value: str | None) -> str:
    """'Saint-Étienne' -> 'saint etienne'; "D'ARTOIS" -> 'd artois'."""
    if not value:
        return ""
    return _NON_ALNUM.sub(" ", unidecode(value).lower()).strip()


def display_name(first_name: str, last_name: str) -> str:
    """The French administrative form: 'Jean MARTIN'."""
    return f"{first_name} {last_name.upper()}".strip()
