"""What a damaged or hostile file cannot do to the import: hold memory with an endless line, crash on a bad zip."""

import os
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory import importer
from directory.extract import MAX_LINE, TOO_LONG, ExtractError, ExtractReader, open_binary
from directory.importer import import_extract
from directory.models import PracticePlace, Professional

from .helpers import HEADERS, person, write_extract

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LEFEVRE = person("99700001037", "LEFÈVRE", "Paul")


@pytest.mark.parametrize("parallel", [True, False])
def test_a_too_long_line_is_rejected_and_the_next_lines_are_read(tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(importer, "PARALLEL_PARSING", parallel)
    monkeypatch.setattr(importer, "BLOCK_BYTES", 4096)  # the longest line runs over many blocks
    rows = [
        person(),
        person("99700001045", "A" * (MAX_LINE + 1), "Anne"),  # line 3: within a block of the real size
        LEFEVRE,
        person("99700001052", "É" * (3 * MAX_LINE), "Léa"),  # line 5: cut at the block's end, its rest skipped
        person("99700001060", "DUBOIS", "Claire"),
        person("99700001078", "B" * (MAX_LINE - 600), "Max"),  # line 7: long, but within the limit
    ]
    stats = import_extract(write_extract(tmp_path / "x.txt", rows))
    assert stats["rejected"] == [(3, TOO_LONG), (5, TOO_LONG)]
    assert (stats["lines"], stats["created"]) == (6, 4)
    assert sorted(Professional.objects.values_list("first_name", flat=True)) == ["Claire", "Jean", "Max", "Paul"]
    assert "65\u00a0536 caractères" in TOO_LONG


def test_a_too_long_line_in_the_default_blocks(tmp_path):
    # A line longer than the limit inside one block of the file: rejected, not cut to the column's width.
    rows = [person(), person("99700001045", "A" * (MAX_LINE + 1), "Anne")]
    stats = import_extract(write_extract(tmp_path / "x.txt", rows))
    assert stats["rejected"] == [(3, TOO_LONG)] and stats["created"] == 1


def test_a_header_without_end_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"|".join(h.encode() for h in HEADERS[56]) + b"x" * (4 * MAX_LINE))
    with open_binary(path) as (stream, size), pytest.raises(ExtractError, match="En-tête non reconnu"):
        ExtractReader(stream, size)


READ_ENDLESS_LINE = """
import resource, sys, django
django.setup()
from directory import importer
from directory.extract import ExtractReader, open_binary
with open_binary(sys.argv[1]) as (stream, size):
    reader = ExtractReader(stream, size)
    results = [result for result, _ in importer._staged_blocks(reader)]
print(sum(lines for _, _, lines in results), [r for _, rejected, _ in results for r in rejected])
# This process's own peak from /proc (VmHWM, in kB): its ru_maxrss would also count the process that started it,
# whose memory it shared until exec (Linux keeps that high-water mark across exec: the test suite's own size).
own = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) // 1024)
"""


def test_an_endless_line_does_not_hold_memory(tmp_path):
    """A line of 400 MB without a line end (a sparse file: no disk used) is read in bounded chunks: the reading
    (the import's own code, with its parsing processes) stays under 150 MB, where holding the line takes more."""
    path = write_extract(tmp_path / "endless.txt", [person(), LEFEVRE])
    with open(path, "ab") as f:
        f.write(b"8|99700001045|")
        f.truncate(f.tell() + 400 * 1024 * 1024)  # NUL bytes to the end, never written
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "sqlite://:memory:"}
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", READ_ENDLESS_LINE, str(path)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines, peak_mb = result.stdout.splitlines()
    assert lines == f"3 [(4, {TOO_LONG!r})]"
    assert int(peak_mb) < 150


@pytest.fixture
def directory_before(tmp_path):
    import_extract(write_extract(tmp_path / "before.txt", [person(), LEFEVRE]))
    return lambda: (
        list(Professional.objects.values_list("national_id", "last_name", "is_active", "updated_at")),
        list(PracticePlace.objects.values_list("id", "commune")),
    )


def _zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _good_zip(tmp_path: Path) -> Path:
    rows = [person(last="MARTIN-DURAND"), person("99700001099", "NOUVEAU", "Zoé")] * 200
    txt = write_extract(tmp_path / "PS_LibreAcces_Personne_activite_202612010000.txt", rows)
    return _zip(tmp_path / "PS_LibreAcces_202612010000.zip", {txt.name: txt.read_bytes()})


def _truncated(tmp_path):
    path = _good_zip(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _corrupt_member(tmp_path):
    # The archive's directory is intact: the damage shows only part-way through reading the member.
    path = _good_zip(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 64):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    return path


def _empty_file(tmp_path):
    path = tmp_path / "vide.zip"
    path.write_bytes(b"")
    return path


CASES = {
    "truncated": _truncated,
    "corrupt member": _corrupt_member,
    "empty file": _empty_file,
    "no member": lambda tmp_path: _zip(tmp_path / "a.zip", {}),
    "no extraction in it": lambda tmp_path: _zip(tmp_path / "a.zip", {"notice.pdf": b"%PDF-1.4"}),
    "two extractions": lambda tmp_path: _zip(tmp_path / "a.zip", {"a.txt": b"x", "b.txt": b"y"}),
    "not a zip, named .zip": lambda tmp_path: write_extract(tmp_path / "a.zip", [person()]),
}


@pytest.mark.parametrize("case", CASES)
def test_an_unreadable_zip_is_refused_and_changes_nothing(tmp_path, directory_before, case):
    before = directory_before()
    path = CASES[case](tmp_path)
    with pytest.raises(CommandError, match=r"^Archive ZIP illisible \(.*\) : l'annuaire n'est pas modifié\."):
        call_command("import_annuaire", str(path), no_progress=True, stdout=StringIO(), stderr=StringIO())
    assert directory_before() == before


def test_an_unreadable_zip_gives_a_message_not_a_traceback(tmp_path):
    result = subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "manage.py", "import_annuaire", str(_truncated(tmp_path)), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"},  # never the project's
    )  # fmt: skip
    assert result.returncode == 1
    assert "Archive ZIP illisible" in result.stderr and "Traceback" not in result.stderr


def test_a_good_zip_still_imports(tmp_path):
    assert import_extract(_good_zip(tmp_path))["created"] == 2
