"""Reading the national extraction PS_LibreAcces_Personne_activite_*.txt (or the official zip holding it).

Streaming: one line in memory at a time. Columns are found by header name (the header went from 48 to 52
to 56 columns over the years; any subset of the known names works). The encoding is detected: UTF-8 with or
without BOM, else cp1252 (older files).
"""

import codecs
import contextlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from core.text import normalize, strip_controls

# Header names (verbatim in the extraction) -> our field names. Unknown columns are ignored.
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
FIELDS = list(COLUMNS.values())
# Header names compared without accents, case or punctuation: a cp1252 file decoded right still matches, and so
# does a header with a stray space.
_BY_KEY = {normalize(name): field for name, field in COLUMNS.items()}

MEMBER_NAME = re.compile(r"PS_LibreAcces_Personne_activite.*\.txt$", re.IGNORECASE)
SAMPLE_BYTES = 1 << 16
# Longest line accepted, in characters: real lines hold less than 1,000, a corrupt file may hold gigabytes without
# a line end. A longer line is rejected (its number and reason in the summary) and reading goes on at the next
# line; no more of it than 4 bytes a character is ever held.
MAX_LINE = 1 << 16
_LIMIT = f"{MAX_LINE:,} caractères".replace(",", "\u00a0")
TOO_LONG = f"ligne trop longue (plus de {_LIMIT})"
UNREADABLE_ZIP = (
    "Archive ZIP illisible ({}) : l'annuaire n'est pas modifié. Téléchargez de nouveau l'extraction sur "
    "annuaire.sante.fr, ou importez le fichier .txt qu'elle contient."
)
# A damaged member shows part-way through its reading (bad compressed data, missing end, bad CRC at its end).
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)
# Opening: unreadable directory, unsupported compression or encryption.
_OPEN_ERRORS = (*_READ_ERRORS, NotImplementedError, RuntimeError, ValueError)


class ExtractError(Exception):
    """The file cannot be imported at all (not an extraction, unknown header, no text file in the zip)."""


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04" or zipfile.is_zipfile(path)


@contextmanager
def open_binary(path: Path):
    """The extraction as a binary stream, and its size: the .txt itself, or its member in the official zip.
    A damaged archive raises ExtractError « Archive ZIP illisible », also when found part-way through."""
    path = Path(path)
    if not _is_zip(path):
        with open(path, "rb", buffering=1 << 20) as f:
            yield f, path.stat().st_size
        return
    with contextlib.ExitStack() as stack:
        try:
            archive = stack.enter_context(zipfile.ZipFile(path))
            members = [i for i in archive.infolist() if MEMBER_NAME.search(i.filename.rsplit("/", 1)[-1])]
            if not members:
                members = [i for i in archive.infolist() if i.filename.lower().endswith(".txt")]
            if len(members) != 1:
                raise ExtractError(UNREADABLE_ZIP.format(
                    "elle doit contenir un et un seul fichier PS_LibreAcces_Personne_activite_….txt"
                ))  # fmt: skip
            member = stack.enter_context(archive.open(members[0]))
        except _OPEN_ERRORS as error:
            raise ExtractError(UNREADABLE_ZIP.format("archive endommagée, incomplète ou vide")) from error
        try:
            yield io.BufferedReader(member, buffer_size=1 << 20), members[0].file_size  # type: ignore[type-var]  # a raw zip stream
        except _READ_ERRORS as error:
            raise ExtractError(UNREADABLE_ZIP.format("archive endommagée ou incomplète")) from error


def detect_encoding(sample: bytes) -> str:
    """UTF-8 when the sample decodes as such (a character cut at its end is fine), else cp1252."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


class ExtractReader:
    """Iterates over (line number, record, error): record is a tuple in FIELDS order ("" for absent columns),
    or None with the reason of the rejection. `bytes_read` follows the progress in the file."""

    def __init__(self, stream, size: int = 0):
        self.stream = stream
        self.size = size
        self.bytes_read = 0
        first = stream.readline(4 * MAX_LINE)
        self.bytes_read += len(first)
        if not first.endswith(b"\n") and stream.peek(1)[:1]:
            raise ExtractError(
                f"En-tête non reconnu : la première ligne dépasse {_LIMIT}. Vérifiez qu'il s'agit bien "
                "de l'extraction PS_LibreAcces_Personne_activite."
            )
        if first.startswith(codecs.BOM_UTF8):
            first = first[len(codecs.BOM_UTF8) :]
            self.encoding = "utf-8"
        else:
            self.encoding = detect_encoding(first + stream.peek(SAMPLE_BYTES)[:SAMPLE_BYTES])
        header = self._decode(first).rstrip("\r\n").split("|")
        if header and not header[-1].strip():
            header.pop()
        self.width = len(header)
        positions = {}
        for index, name in enumerate(header):
            field = _BY_KEY.get(normalize(name))
            if field and field not in positions:
                positions[field] = index
        self.columns_found = [field for field in FIELDS if field in positions]
        if "last_name" not in positions or not (
            "national_id" in positions or {"id_type", "identifier"} <= positions.keys()
        ):
            raise ExtractError(
                "En-tête non reconnu : il faut au moins les colonnes « Nom d'exercice » et « Identification "
                "nationale PP » (ou « Type d'identifiant PP » et « Identifiant PP »)."
            )
        # An absent column reads the sentinel "" appended after the last value.
        self._getter = itemgetter(*[positions.get(field, self.width) for field in FIELDS])

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            # A file announced UTF-8 by its start with an odd cp1252 line further on: read that line as cp1252.
            return raw.decode("cp1252", errors="replace")

    def blocks(self, size: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
        """The rest of the file as (number of its first line, about `size` bytes of whole lines): what
        `parse` reads, in another process if need be (the import parses blocks in parallel)."""
        number = 2
        read, readline = self.stream.read, self.stream.readline
        while block := read(size):
            if not block.endswith(b"\n"):
                # Up to the end of the line, but no further than a line of MAX_LINE characters can take: a longer
                # line is cut there (parse rejects it) and the rest of it skipped, never held.
                start = block.rfind(b"\n") + 1
                block += readline(max(0, start + 4 * (MAX_LINE + 1) - len(block)))
                if not block.endswith(b"\n") and len(block) - start >= 4 * (MAX_LINE + 1):
                    self.bytes_read += self._skip_line() - 1
                    block += b"\n"  # in place of the skipped line end
            self.bytes_read += len(block)
            yield number, block
            number += block.count(b"\n") + (not block.endswith(b"\n"))

    def _skip_line(self) -> int:
        """Read the rest of the current line, in bounded chunks; returns the number of bytes skipped."""
        skipped = 0
        while chunk := self.stream.readline(1 << 16):
            skipped += len(chunk)
            if chunk.endswith(b"\n"):
                break
        return skipped

    def parse(self, number: int, block: bytes) -> Iterator[tuple[int, tuple | None, str]]:
        """(line number, record, error) of the lines of a block from `blocks`, starting at line `number`."""
        width = self.width
        getter = self._getter
        try:
            lines = block.decode(self.encoding).split("\n")
        except UnicodeDecodeError:  # line by line, to read the odd line otherwise (_decode)
            lines = [self._decode(raw) for raw in block.split(b"\n")]
        if not lines[-1]:
            lines.pop()  # the block ends with its last line's end
        for number, line in enumerate(lines, number):  # noqa: B020 (the numbering goes on from the argument)
            line = line.rstrip("\r")
            if len(line) > MAX_LINE:
                yield number, None, TOO_LONG
                continue
            if not line.strip():
                continue
            values = line.split("|")
            count = len(values)
            if count == width + 1 and not values[-1]:
                values[-1] = ""  # the trailing "|": its empty value is the sentinel
            elif count == width:
                values.append("")
            else:
                yield number, None, f"{count - (not values[-1])} champs au lieu de {width}"
                continue
            yield number, clean_fields(getter(values)), ""

    def __iter__(self) -> Iterator[tuple[int, tuple | None, str]]:
        for number, block in self.blocks():
            yield from self.parse(number, block)


def clean_fields(values) -> tuple:
    """Each value trimmed, and without control characters: a bare « \\r » in a name (the file's lines end with
    « \\n ») would otherwise reach the header of a mail that quotes it."""
    fields = tuple(map(str.strip, values))
    if "".join(fields).isprintable():  # the usual line: one check, no regex
        return fields
    return tuple(map(strip_controls, fields))
