import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench.generate_extract import generate
from directory import importer
from directory.importer import import_extract
from directory.models import PracticePlace, Professional
from directory.selectors import search_professionals, selectable_doctor

from .helpers import HEADERS, line, person, write_extract

pytestmark = pytest.mark.django_db

LEFEVRE = person("99700001037", "LEFÈVRE", "Paul", postal_code="42000", commune="Saint-Étienne", department_code="42")


@pytest.mark.parametrize("header", [56, 52, 48])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("trailing", ["|", ""])
def test_every_format_variant_imports(tmp_path, header, encoding, newline, trailing):
    path = write_extract(tmp_path / "x.txt", [person(), LEFEVRE], header=header, encoding=encoding,
                         newline=newline, trailing=trailing)  # fmt: skip
    stats = import_extract(path)
    assert (stats["lines"], stats["created"], stats["rejected_count"]) == (2, 2, 0)
    assert stats["columns"] == header
    paul = Professional.objects.get(national_id="899700001037")
    assert (paul.last_name, paul.search_last_name, paul.first_name) == ("LEFÈVRE", "lefevre", "Paul")
    assert paul.places.get().commune == "Saint-Étienne"
    assert paul.places.get().search_commune == "saint etienne"


def test_blank_lines_and_header_only(tmp_path):
    path = write_extract(tmp_path / "x.txt", ["", person(), "   ", LEFEVRE], extra_lines=["", ""])
    stats = import_extract(path)
    assert (stats["lines"], stats["created"], stats["rejected_count"]) == (2, 2, 0)
    # A header-only file imports nothing and must not deactivate the directory.
    stats = import_extract(write_extract(tmp_path / "empty.txt", []))
    assert (stats["lines"], stats["created"], stats["deactivated"]) == (0, 0, 0)
    assert Professional.objects.filter(is_active=True).count() == 2


def test_official_zip(tmp_path):
    txt = write_extract(tmp_path / "PS_LibreAcces_Personne_activite_202611010000.txt", [person(), LEFEVRE])
    archive = tmp_path / "PS_LibreAcces_202611010000.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(txt, arcname=txt.name)
    assert import_extract(archive)["created"] == 2


def test_unknown_header_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("a|b|c|\r\n1|2|3|\r\n")
    with pytest.raises(CommandError, match="En-tête non reconnu"):
        call_command("import_annuaire", str(path), no_progress=True, stdout=StringIO())


def test_bad_lines_are_rejected_with_number_and_reason(tmp_path):
    columns = HEADERS[56]
    rows = [
        person(),
        "8|99700000001|899700000001|too few",  # line 3
        person(identifier="", id_type=""),  # line 4: no identifier
        person(identifier="12345678", id_type="3"),  # line 5: unknown type
        line(person("99700001045", "LEFEVRE", "Anne"), columns) + "|extra|",  # line 6: too many fields
        LEFEVRE,
    ]
    stats = import_extract(write_extract(tmp_path / "x.txt", rows))
    assert stats["created"] == 2 and stats["rejected_count"] == 4
    reasons = dict(stats["rejected"])
    assert set(reasons) == {3, 4, 5, 6}
    assert "champs au lieu de 56" in reasons[3] and "champs au lieu de 56" in reasons[6]
    assert reasons[4] == "identifiant absent"
    assert "type d'identifiant inconnu" in reasons[5]


def test_several_places_and_both_identifier_types(tmp_path):
    rows = [
        person(),
        person(postal_code="69100", commune="Villeurbanne", mode_code="S", mode="Salarié"),
        person("123456789", "INFIRMIERE", "Léa", id_type="0", profession_code="60", profession="Infirmier"),
    ]
    stats = import_extract(write_extract(tmp_path / "x.txt", rows))
    assert stats["created"] == 2
    martin = Professional.objects.get(national_id="899700001011")
    assert (martin.id_type, martin.identifier, martin.rpps) == ("8", "99700001011", "99700001011")
    assert [p.commune for p in martin.places.order_by("id")] == ["Lyon", "Villeurbanne"]
    adeli = Professional.objects.get(national_id="0123456789")
    assert (adeli.id_type, adeli.identifier, adeli.rpps) == ("0", "123456789", "")


def test_a_persons_first_line_gives_the_identity_and_places_keep_the_files_order(tmp_path):
    rows = [person(commune="Lyon"), LEFEVRE, person(last="MARTIN-AUTRE", commune="Bron"), person(commune="Albi")]
    import_extract(write_extract(tmp_path / "x.txt", rows))
    martin = Professional.objects.get(national_id="899700001011")
    assert martin.last_name == "MARTIN"
    assert [p.commune for p in martin.places.order_by("id")] == ["Lyon", "Bron", "Albi"]


def test_reimport_of_the_same_file_changes_nothing(tmp_path):
    path = write_extract(tmp_path / "x.txt", [person(), person(commune="Villeurbanne"), LEFEVRE])
    import_extract(path)
    before = list(Professional.objects.values_list("id", "updated_at", "is_active", "import_fingerprint"))
    places = list(PracticePlace.objects.values_list("id", "professional_id", "commune").order_by("id"))
    stats = import_extract(path)
    assert (stats["created"], stats["updated"], stats["unchanged"], stats["deactivated"]) == (0, 0, 2, 0)
    assert list(Professional.objects.values_list("id", "updated_at", "is_active", "import_fingerprint")) == before
    assert list(PracticePlace.objects.values_list("id", "professional_id", "commune").order_by("id")) == places


def test_reimport_updates_replaces_places_and_deactivates(tmp_path):
    import_extract(write_extract(tmp_path / "a.txt", [person(), LEFEVRE, person("99700001029", "DUBOIS", "Claire")]))
    dubois = Professional.objects.get(national_id="899700001029")
    rows = [person(email="jean.martin@example.org", commune="Bron", postal_code="69500"), LEFEVRE,
            person("99700001045", "LEFEVRE", "Anne")]  # fmt: skip
    stats = import_extract(write_extract(tmp_path / "b.txt", rows))
    assert (stats["created"], stats["updated"], stats["unchanged"], stats["deactivated"]) == (1, 1, 1, 1)
    martin = Professional.objects.get(national_id="899700001011")
    assert [(p.commune, p.email) for p in martin.places.all()] == [("Bron", "jean.martin@example.org")]
    assert martin.first_email == "jean.martin@example.org"
    dubois.refresh_from_db()  # never deleted: other tables refer to it
    assert not dubois.is_active
    assert selectable_doctor(dubois.pk) is None and selectable_doctor(martin.pk) == martin
    assert not search_professionals(name="dubois").exists()
    assert search_professionals(name="dubois", active_only=False).get() == dubois
    # Back in the next extraction: active again.
    rows.append(person("99700001029", "DUBOIS", "Claire"))
    stats = import_extract(write_extract(tmp_path / "c.txt", rows))
    assert (stats["created"], stats["updated"], stats["deactivated"]) == (0, 1, 0)
    dubois.refresh_from_db()
    assert dubois.is_active and dubois.places.count() == 1


@pytest.mark.parametrize("failure", ["merge", "load"])
def test_failed_import_keeps_the_previous_directory(tmp_path, monkeypatch, failure):
    import_extract(write_extract(tmp_path / "a.txt", [person(), LEFEVRE]))
    snapshot = list(Professional.objects.values_list("national_id", "last_name", "is_active", "updated_at"))
    places = list(PracticePlace.objects.values_list("id", "commune"))
    if failure == "merge":
        original = importer._write

        def write_then_fail(*args):
            original(*args)  # everything written (its only batch on SQLite), then interrupted before the commit
            raise KeyboardInterrupt

        monkeypatch.setattr(importer, "_write", write_then_fail)
    else:
        original_writer = importer.staging.line_writer

        class FailingWriter:
            def __init__(self, names):
                self.inner = original_writer(names)

            def __enter__(self):
                self.inner.__enter__()
                return self

            def write_block(self, text):
                self.inner.write_block(text)
                raise KeyboardInterrupt

            def __exit__(self, *exc):
                return self.inner.__exit__(*exc)

        monkeypatch.setattr(importer.staging, "line_writer", FailingWriter)
    new = [person(last="MARTIN-DURAND"), person("99700001099", "NOUVEAU", "Zoé")]
    with pytest.raises(KeyboardInterrupt):
        import_extract(write_extract(tmp_path / "b.txt", new))
    assert list(Professional.objects.values_list("national_id", "last_name", "is_active", "updated_at")) == snapshot
    assert list(PracticePlace.objects.values_list("id", "commune")) == places
    monkeypatch.undo()
    # And the next import works.
    assert import_extract(write_extract(tmp_path / "b.txt", new))["created"] == 1


def test_sqlite_writes_in_batches_an_interruption_leaves_each_person_whole(tmp_path, monkeypatch):
    """SQLite writes in short transactions (a batch of people each): interrupted in the second batch, the first
    person is as in the file, the others as before (each with all its places), nobody is deactivated yet; the
    next import completes the work."""
    if connection.vendor == "postgresql":
        pytest.skip("one transaction on PostgreSQL (test_failed_import_keeps_the_previous_directory)")
    gone = person("99700001045", "DUPARC", "Léa", commune="Bron")
    import_extract(write_extract(tmp_path / "a.txt", [person(), LEFEVRE, gone]))
    before = {p.national_id: (p.last_name, p.is_active, [pl.commune for pl in p.places.all()])
              for p in Professional.objects.all()}  # fmt: skip
    new = [person(last="MARTIN-DURAND", commune="Caluire"), {**LEFEVRE, "commune": "Paris"},
           person("99700001099", "NOUVEAU", "Zoé")]  # fmt: skip
    _one_person_per_batch(monkeypatch)
    original, batches = importer._write, []

    def write_then_stop_in_the_second_batch(cursor, stats, phase, batch):
        original(cursor, stats, phase, batch)
        batches.append(batch)
        if len(batches) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(importer, "_write", write_then_stop_in_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        import_extract(write_extract(tmp_path / "b.txt", new))
    assert batches == [(1, 1), (2, 2)]
    after = {p.national_id: (p.last_name, p.is_active, [pl.commune for pl in p.places.all()])
             for p in Professional.objects.all()}  # fmt: skip
    assert after == {**before, "899700001011": ("MARTIN-DURAND", True, ["Caluire"])}
    monkeypatch.setattr(importer, "_write", original)
    stats = import_extract(write_extract(tmp_path / "b.txt", new))
    assert (stats["created"], stats["updated"], stats["unchanged"], stats["deactivated"]) == (1, 1, 1, 1)
    final = {p.national_id: (p.last_name, p.is_active, [pl.commune for pl in p.places.all()])
             for p in Professional.objects.all()}  # fmt: skip
    assert final == {
        "899700001011": ("MARTIN-DURAND", True, ["Caluire"]),
        "899700001037": ("LEFÈVRE", True, ["Paris"]),
        "899700001045": ("DUPARC", False, ["Bron"]),
        "899700001099": ("NOUVEAU", True, ["Lyon"]),
    }


def _one_person_per_batch(monkeypatch):
    """SQLite's write batches of one person each, without pauses: a test can stop the import between two."""
    monkeypatch.setattr(importer, "BATCH_FIRST", 1)
    monkeypatch.setattr(importer, "BATCH_MIN", 1)
    monkeypatch.setattr(importer, "BATCH_SECONDS", 0)
    monkeypatch.setattr(importer, "BATCH_PAUSE", 0)


def _directory_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return {name for model in (Professional, PracticePlace)
                for name in connection.introspection.get_constraints(cursor, model._meta.db_table)}  # fmt: skip


SEARCH_INDEXES = {index.name for model in (Professional, PracticePlace) for index in model._meta.indexes}


def test_sqlite_first_import_builds_the_search_indexes_after_its_batches_even_interrupted(tmp_path, monkeypatch):
    """Into an empty directory, SQLite's batches write without the search indexes (maintained row by row they made a
    national import last many minutes); the indexes are built after, and built even if the import is interrupted."""
    if connection.vendor == "postgresql":
        pytest.skip("one transaction on PostgreSQL: its rollback restores the indexes")
    _one_person_per_batch(monkeypatch)
    original, present = importer._write, []

    def write_then_stop_in_the_second_batch(cursor, stats, phase, batch):
        original(cursor, stats, phase, batch)
        present.append(SEARCH_INDEXES & _directory_indexes())
        if len(present) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(importer, "_write", write_then_stop_in_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        import_extract(write_extract(tmp_path / "a.txt", [person(), LEFEVRE, person("99700001099", "NOUVEAU")]))
    assert present == [{"directory_place_pro_idx"}] * 2  # a person's places: they follow the people's order
    assert _directory_indexes() >= SEARCH_INDEXES
    assert [p.last_name for p in search_professionals(name="mart")] == ["MARTIN"]  # the first batch, committed


def test_sqlite_import_builds_a_search_index_that_a_killed_import_left_missing(tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("one transaction on PostgreSQL: its rollback restores the indexes")
    import_extract(write_extract(tmp_path / "a.txt", [person()]))
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX directory_plc_dept_nm_idx")
    import_extract(write_extract(tmp_path / "b.txt", [person(), LEFEVRE]))  # not a first import
    assert _directory_indexes() >= SEARCH_INDEXES


def test_sqlite_pauses_between_batches_follow_every_batch_while_users_write(monkeypatch):
    """Without a pause after a batch, a user's write waiting for the lock would not get it before the next batch. The
    import pauses after every batch while users' writes go in its pauses; when none went in the last one, it skips
    the pause of at most QUIET_BATCHES batches, then pauses again to let in whoever came meanwhile."""
    sleeps, version, batch = [], [0], [0]

    def sleep(seconds):
        sleeps.append(batch[0])
        if batch[0] in (5, 6):  # users' writes waiting for the lock go in the pauses before batches 5 and 6
            version[0] += 1

    monkeypatch.setattr(importer.time, "sleep", sleep)
    monkeypatch.setattr(importer, "_data_version", lambda: version[0])  # changes when another connection commits
    pauses = importer._Pauses()
    for batch[0] in range(14):
        pauses.before_transaction()
    # A pause before the second batch, nobody in it: the next ones every QUIET_BATCHES + 1 batches (5); users in it:
    # after every batch (6, 7), until a pause without them (7): quiet again (11).
    assert sleeps == [1, 5, 6, 7, 11]
    pauses.before_transaction(always=True)  # before each index build
    assert sleeps[-1] == 13


def test_failure_while_parsing_changes_nothing(tmp_path, monkeypatch):
    import_extract(write_extract(tmp_path / "a.txt", [person(), LEFEVRE]))

    def broken(number, record):
        raise ValueError("boom")

    monkeypatch.setattr(importer, "_stage_row", broken)  # the forked parser inherits it
    with pytest.raises(importer.ImportFailed, match="boom"):
        import_extract(write_extract(tmp_path / "b.txt", [person(last="AUTRE")]))
    assert Professional.objects.get(national_id="899700001011").last_name == "MARTIN"


@pytest.mark.parametrize("parallel", [True, False])
def test_in_process_parsing_gives_the_same_result(tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(importer, "PARALLEL_PARSING", parallel)
    monkeypatch.setattr(importer, "BLOCK_BYTES", 300)  # a few lines a block: several blocks, in flight at once
    rows = [person(), person(identifier="", id_type=""), LEFEVRE, person("99700001045", "LEFEVRE", "Anne")]
    stats = import_extract(write_extract(tmp_path / "x.txt", rows))
    assert (stats["lines"], stats["created"], stats["rejected"]) == (4, 3, [(3, "identifiant absent")])


def test_without_process_semaphores_the_file_is_parsed_in_process(tmp_path, monkeypatch):
    def no_semaphores(*args, **kwargs):
        raise NotImplementedError("This platform lacks a functioning sem_open implementation")

    monkeypatch.setattr(importer, "ProcessPoolExecutor", no_semaphores)  # as in a container without /dev/shm
    stats = import_extract(write_extract(tmp_path / "x.txt", [person(), LEFEVRE]))
    assert (stats["lines"], stats["created"]) == (2, 2)


def test_backslashes_survive_the_staging_and_control_characters_become_spaces(tmp_path):
    # PostgreSQL's COPY reads backslashes and carriage returns as escapes, "\\N" as NULL; NUL cannot be stored.
    # A bare carriage return in a name would break the header of a mail quoting it: it becomes a space.
    path = write_extract(tmp_path / "x.txt", [person(last="O\\BRIEN\\N", first="Jean\rMarc\x00", commune="\\")],
                         newline="\n")  # fmt: skip
    assert import_extract(path)["created"] == 1
    pro = Professional.objects.get()
    assert (pro.last_name, pro.first_name, pro.places.get().commune) == ("O\\BRIEN\\N", "Jean Marc", "\\")


@pytest.mark.parametrize("parallel", [True, False])
def test_line_numbers_run_across_blocks(tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(importer, "PARALLEL_PARSING", parallel)
    monkeypatch.setattr(importer, "BLOCK_BYTES", 1)  # one line a block
    rows = [person(), "", "1|2", person(identifier=""), person("99700001045", "LEFEVRE", "Anne")]
    path = write_extract(tmp_path / "x.txt", rows, newline="\n", trailing="")
    path.write_bytes(path.read_bytes().rstrip(b"\n") + b"\n1|2")  # and a last line without its end
    stats = import_extract(path)
    assert stats["rejected"] == [
        (4, "2 champs au lieu de 56"),
        (5, "identifiant absent"),
        (7, "2 champs au lieu de 56"),
    ]
    assert (stats["lines"], stats["created"]) == (5, 2)


def test_too_long_values_are_cut_not_fatal(tmp_path):
    stats = import_extract(write_extract(tmp_path / "x.txt", [person(mode_code="LIBERAL-TOO-LONG", last="X" * 300)]))
    assert stats["created"] == 1
    pro = Professional.objects.get()
    assert len(pro.last_name) == 200 and pro.places.get().mode_code == "LIBER"


def test_demo_extract(tmp_path):
    stats = import_extract(importer.Path(__file__).resolve().parents[2] / "directory" / "data"
                           / "PS_LibreAcces_Personne_activite_demo.txt")  # fmt: skip
    assert stats["created"] > 4 and stats["rejected_count"] == 0
    assert Professional.objects.get(national_id="899700001037").last_name == "LEFÈVRE"


def test_command_prints_the_summary(tmp_path):
    rows = [person(), person(identifier="", id_type=""), LEFEVRE]
    out = StringIO()
    call_command("import_annuaire", str(write_extract(tmp_path / "x.txt", rows)), stdout=out, stderr=StringIO())
    text = out.getvalue()
    expected_lines = ["Lignes lues : 3", "Professionnels créés : 2", "Professionnels mis à jour : 0",
                      "Professionnels désactivés : 0", "Lignes rejetées : 1",
                      "ligne 3 : identifiant absent"]  # fmt: skip
    for expected in expected_lines:
        assert expected in text


def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_annuaire", str(tmp_path / "nope.txt"))


@pytest.mark.parametrize(("header", "encoding", "as_zip"), [(56, "utf-8", False), (52, "cp1252", True),
                                                            (48, "utf-8-sig", False)])  # fmt: skip
def test_generated_extracts_import(tmp_path, header, encoding, as_zip):
    path = generate(tmp_path / "PS_LibreAcces_Personne_activite_gen.txt", 300, header, encoding, seed=3, as_zip=as_zip)
    stats = import_extract(path)
    assert stats["lines"] == 300 and stats["rejected_count"] == 0 and stats["columns"] == header
    assert PracticePlace.objects.count() == 300
    assert import_extract(path)["unchanged"] == stats["created"]
