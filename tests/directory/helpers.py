"""Small extracts written in the real format, for the import tests."""

from pathlib import Path

from bench.generate_extract import HEADERS
from directory.extract import COLUMNS

FIELD_TO_HEADER = {field: name for name, field in COLUMNS.items()}


def person(identifier="99700001011", last="MARTIN", first="Jean", id_type="8", **extra) -> dict:
    row = {
        "id_type": id_type,
        "identifier": identifier,
        "national_id": f"{id_type}{identifier}" if identifier else "",
        "civilite_exercice": "Docteur",
        "last_name": last,
        "first_name": first,
        "profession_code": "10",
        "profession": "Médecin",
        "specialty": "Médecine générale",
        "mode_code": "L",
        "mode": "Libéral",
        "postal_code": "69003",
        "commune": "Lyon",
        "department_code": "69",
        "email": "",
    }
    row.update(extra)
    return row


def line(row: dict, columns: list[str]) -> str:
    names = {name: i for i, name in enumerate(columns)}
    values = [""] * len(columns)
    for field, value in row.items():
        if FIELD_TO_HEADER[field] in names:
            values[names[FIELD_TO_HEADER[field]]] = value
    return "|".join(values)


def write_extract(path: Path, rows, *, header=56, encoding="utf-8", newline="\r\n", trailing="|", extra_lines=()):
    """rows: dicts (see person()) or raw strings written as they are."""
    columns = HEADERS[header]
    lines = ["|".join(columns) + trailing]
    lines += [r if isinstance(r, str) else line(r, columns) + trailing for r in rows]
    lines += list(extra_lines)
    Path(path).write_bytes((newline.join(lines) + newline).encode(encoding))
    return Path(path)
