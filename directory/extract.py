"""Reading the national extraction PS_LibreAcces_Personne_activite_*.txt.

Columns are found by header name (the header changed over the years); the encoding is detected.
"""

import codecs
from collections.abc import Iterator
from pathlib import Path

# Header names (verbatim in the extraction) -> our field names.
COLUMNS = {
    "Type d'identifiant PP": "id_type",
    "Identifiant PP": "identifier",
    "Identification nationale PP": "national_id",
    "Code civilité d'exercice": "civilite_exercice_code",
    "Libellé civilité d'exercice": "civilite_exercice",
    "Code civilité": "civilite_code",
    "Libellé civilité": "civilite",
    "Nom d'exercice": "last_name",
    "Prénom d'exercice": "first_name",
    "Code profession": "profession_code",
    "Libellé profession": "profession",
    "Code catégorie professionnelle": "category_code",
    "Libellé catégorie professionnelle": "category",
    "Code savoir-faire": "specialty_code",
    "Libellé savoir-faire": "specialty",
    "Code mode exercice": "mode_code",
    "Libellé mode exercice": "mode",
    "Numéro SIRET site": "siret",
    "Numéro FINESS site": "finess",
    "Raison sociale site": "structure_name",
    "Enseigne commerciale site": "brand",
    "Numéro Voie (coord. structure)": "street_number",
    "Indice répétition voie (coord. structure)": "street_index",
    "Libellé type de voie (coord. structure)": "street_type",
    "Libellé Voie (coord. structure)": "street_name",
    "Mention distribution (coord. structure)": "distribution",
    "Code postal (coord. structure)": "postal_code",
    "Code commune (coord. structure)": "commune_code",
    "Libellé commune (coord. structure)": "commune",
    "Téléphone (coord. structure)": "phone",
    "Adresse e-mail (coord. structure)": "email",
    "Code Département (structure)": "department_code",
    "Libellé Département (structure)": "department",
}


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else cp1252."""
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def read_extract(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """Yield (line number, row dict or None, error) for every data line, streaming."""
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as f:
        header_line = f.readline().rstrip("\r\n")
        header = header_line.split("|")
        if header and header[-1] == "":
            header = header[:-1]
        width = len(header)
        for number, line in enumerate(f, start=2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            values = line.split("|")
            if len(values) == width + 1 and values[-1] == "":
                values = values[:-1]
            if len(values) != width:
                yield number, None, f"{len(values)} champs au lieu de {width}"
                continue
            row = {COLUMNS[name]: value.strip() for name, value in zip(header, values) if name in COLUMNS}
            yield number, row, ""
