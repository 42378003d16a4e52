"""Text normalisation shared by every search: accents, case, hyphens and apostrophes ignored."""

import html
import re

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TO_ESCAPE = re.compile(r"[&<>\"']").search


def escape_html(text: str) -> str:
    """html.escape(text): the same text, but looked through once when it holds nothing to escape (most texts of a
    page: names, classes, ids), where html.escape copies it five times."""
    return html.escape(text) if _TO_ESCAPE(text) else text


def normalize(value: str | None) -> str:
    """'Saint-Étienne' -> 'saint etienne'; "D'ARTOIS" -> 'd artois'."""
    if not value:
        return ""
    return _NON_ALNUM.sub(" ", unidecode(value).lower()).strip()


def display_name(first_name: str, last_name: str) -> str:
    """The French administrative form: 'Jean MARTIN'."""
    return f"{first_name} {last_name.upper()}".strip()


_VOWELS = frozenset("aeiou")
# First names whose h is aspirated (« de Hans »): the foreign ones people meet here; a French h is mute (« d'Henri »).
_ASPIRATED_H = frozenset({"hans", "harry", "heinz", "helmut", "henrik", "hilda", "hilde"})


def elides(word: str) -> bool:
    """Whether « de », « le » or « que » lose their vowel before `word`: a vowel (accents and case ignored), a mute h,
    or a y sounded as a vowel (« Yves », not « Yann »)."""
    letters = normalize(word)
    if not letters:
        return False
    first, second = letters[0], letters[1:2]
    if first in _VOWELS:
        return True
    if first == "y":
        return bool(second) and second not in _VOWELS and second.isalpha()
    if first == "h":
        return (second in _VOWELS or second == "y") and letters.split(" ")[0] not in _ASPIRATED_H
    return False


def of(name: str) -> str:
    """« de » before a name, as French writes it: 'de Jean MARTIN', "d'André GIRARD", "d'Hélène ROUX"."""
    return f"d'{name}" if elides(name) else f"de {name}"


# Control characters (C0, DEL, C1) and Unicode line/paragraph separators: none belongs in a name or an address,
# and a bare « \r » or « \n » in a name would break the header of a mail that quotes it.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def strip_controls(value: str) -> str:
    """'DUPONT\\rJean' -> 'DUPONT Jean': each run of control characters becomes one space; ends trimmed."""
    if value.isprintable():  # the usual case, without a regex
        return value.strip()
    return _CONTROLS.sub(" ", value).strip()


def is_email_address(value: str) -> bool:
    """ONE bare address: no display name, no list (« a@x, b@y »), no scheme (« javascript:… »), no control
    character, no surrounding space. What a mail's « To » may receive without surprise."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if not isinstance(value, str) or not value or value != value.strip() or not value.isprintable():
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def whole_number(value: str | None, *, digits: int = 18) -> int | None:
    """A number typed in an address or a form (a page, an id, a version), or None: ASCII digits only (« ² » is a
    digit to isdigit() and no number to int()), at most `digits` of them (an id fits a bigint)."""
    if value and value.isascii() and value.isdecimal() and len(value) <= digits:
        return int(value)
    return None
