"""The hash chain of the journal: every tampering done directly in the database is found by verify_journal."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from journal.chain import append_only_trigger_disabled
from journal.hashing import GENESIS_HASH, HASHED_FIELDS, entry_hash
from journal.models import Action, ActorRole, Entry
from journal.services import record
from tests.factories import DoctorUserFactory, DossierFactory
from tests.journal.writers import append_concurrently

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")


def append(n=1, **extra):
    entries = []
    for i in range(n):
        entries.append(
            record(
                action=Action.LOGIN,
                actor_user=None,
                actor_name=f"Personne {i}",
                actor_role=ActorRole.ASSISTANT,
                card_type="CPE",
                login_method="demo",
                **extra,
            )
        )
    return entries


@pytest.fixture
def journal(db):
    """Five entries; the middle one with an actor, a dossier, a principal and changes."""
    doctor = DoctorUserFactory()
    entries = append(2)
    entries.append(
        record(
            action=Action.MEDICAL_UPDATED,
            actor_user=doctor,
            actor_name=doctor.display_name,
            actor_role=ActorRole.DOCTOR,
            card_type="CPS",
            login_method="demo",
            on_behalf_of=doctor.professional,
            dossier=DossierFactory(medecin_traitant=doctor.professional),
            changes=[{"field": "poids", "label": "Poids", "old": "", "new": "62 kg"}],
            detail="Volet médical",
        )
    )
    entries += append(2)
    return entries


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_journal", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args) -> str:
    with pytest.raises(CommandError) as error:
        verify(*args)
    assert error.value.returncode == 1
    return str(error.value)


def tamper(*statements):
    """Raw SQL, bypassing the application; on PostgreSQL the append-only trigger is disabled first."""
    with transaction.atomic(), append_only_trigger_disabled(connection), connection.cursor() as cursor:
        for sql, *params in statements:
            cursor.execute(sql, params[0] if params else None)


def raw_insert(**values):
    """INSERT a row by hand, every column given."""
    row = {
        "created_at": connection.ops.adapt_datetimefield_value(timezone.now()),
        "action": "login",
        "action_label": "Connexion",
        "actor_name": "Faussaire",
        "actor_role": "assistant",
        "card_type": "CPE",
        "login_method": "demo",
        "auth_mode": "",
        "on_behalf_name": "",
        "is_delegated": False,
        "changes": "[]",
        "detail": "",
        **values,
    }
    columns = ", ".join(row)
    placeholders = ", ".join(["%s"] * len(row))
    tamper((f"INSERT INTO journal_entry ({columns}) VALUES ({placeholders})", list(row.values())))  # noqa: S608


def hash_of(sequence):
    return Entry.objects.get(sequence=sequence).hash


def shift_from(sequence, by):
    """Renumber the entries from `sequence` on, in two steps so that the unique sequence never collides."""
    return (
        ("UPDATE journal_entry SET sequence = sequence + 1000000 WHERE sequence >= %s", [sequence]),
        ("UPDATE journal_entry SET sequence = sequence - 1000000 + %s WHERE sequence >= 1000000", [by]),
    )


# The chain as written


def test_entries_form_a_chain_from_the_genesis(journal):
    rows = list(Entry.objects.order_by("sequence").values("id", "prev_hash", "hash", *HASHED_FIELDS))
    assert [row["sequence"] for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for previous, row in zip([None, *rows], rows, strict=False):
        if previous:
            assert row["prev_hash"] == previous["hash"]
        assert len(row["hash"]) == 64
        assert row["hash"] == entry_hash(row, row["prev_hash"])
    assert rows[2]["dossier_id"] and rows[2]["on_behalf_of_id"] and rows[2]["changes"][0]["new"] == "62 kg"


def test_record_inside_an_outer_transaction_continues_the_chain(journal):
    with transaction.atomic():
        first, second = append(2)
    assert (first.sequence, second.sequence) == (6, 7)
    assert second.prev_hash == first.hash
    assert "7 entrée(s) vérifiée(s)" in verify()


def test_a_rolled_back_entry_leaves_no_gap(journal):
    with pytest.raises(RuntimeError), transaction.atomic():
        append()
        raise RuntimeError
    assert append()[0].sequence == 6
    assert "6 entrée(s) vérifiée(s)" in verify()


def test_intact_journal_reports_the_count_and_the_head(journal):
    out = verify()
    assert "Journal intègre : 5 entrée(s) vérifiée(s) depuis l'origine" in out
    assert f"Tête : n° 5, empreinte {journal[-1].hash}" in out


@pytest.mark.django_db
def test_empty_journal_verifies():
    assert "0 entrée vérifiée" in verify()


# Tampering, each found


@pytest.mark.parametrize(
    ("column", "expression"),
    [
        ("detail", "'falsifié'"),
        ("actor_name", "'Quelqu''un d''autre'"),
        ("action_label", "'Consultation du dossier'"),
        ("changes", "'[]'"),
        ("is_delegated", "NOT is_delegated"),
        ("dossier_id", "NULL"),
        ("on_behalf_name", "'Dr Personne'"),
    ],
)
def test_edited_entry_is_found(journal, column, expression):
    tamper((f"UPDATE journal_entry SET {column} = {expression} WHERE sequence = 3",))  # noqa: S608
    message = verify_fails()
    assert "[content_hash_mismatch]" in message
    assert f"entrée n° 3 (id {journal[2].id})" in message
    assert "2 entrée(s) intègre(s)" in message


def test_edited_date_is_found(journal):
    later = connection.ops.adapt_datetimefield_value(journal[1].created_at + timedelta(seconds=1))
    tamper(("UPDATE journal_entry SET created_at = %s WHERE sequence = 2", [later]))
    assert "[content_hash_mismatch] — entrée n° 2" in verify_fails()


def test_edited_and_rehashed_entry_breaks_the_next_link(journal):
    row = Entry.objects.filter(sequence=3).values(*HASHED_FIELDS, "prev_hash").get()
    row["detail"] = "falsifié"
    forged = entry_hash(row, row["prev_hash"])
    tamper(("UPDATE journal_entry SET detail = 'falsifié', hash = %s WHERE sequence = 3", [forged]))
    message = verify_fails()
    assert "[prev_hash_mismatch] — entrée n° 4" in message
    assert "l'entrée précédente (n° 3) a été modifiée ou remplacée" in message


@pytest.mark.parametrize("sequence", [1, 3])
def test_deleted_entry_is_found(journal, sequence):
    tamper(("DELETE FROM journal_entry WHERE sequence = %s", [sequence]))
    message = verify_fails()
    assert "[sequence_gap]" in message
    assert f"entrée(s) n° {sequence} manquante(s)" in message


def test_deleted_entries_renumbered_are_found(journal):
    tamper(("DELETE FROM journal_entry WHERE sequence IN (2, 3)",), *shift_from(4, -2))
    assert "[prev_hash_mismatch] — entrée n° 2" in verify_fails()


def test_appended_entry_with_a_made_up_hash_is_found(journal):
    raw_insert(sequence=6, prev_hash=journal[-1].hash, hash="a" * 64)
    assert "[content_hash_mismatch] — entrée n° 6" in verify_fails()


def test_entry_inserted_in_the_middle_is_found(journal):
    """Even with a well-formed hash: the entry after it was written after entry n° 2, not after the forgery."""
    created_at = journal[1].created_at + timedelta(microseconds=1)
    forged = dict.fromkeys(HASHED_FIELDS, "") | {
        "sequence": 3,
        "created_at": created_at,
        "action": "login",
        "action_label": "Connexion",
        "actor_id": None,
        "actor_name": "Faussaire",
        "actor_role": "assistant",
        "card_type": "CPE",
        "login_method": "demo",
        "on_behalf_of_id": None,
        "is_delegated": False,
        "dossier_id": None,
        "delegation_id": None,
        "changes": [],
    }
    forged_hash = entry_hash(forged, journal[1].hash)
    tamper(*shift_from(3, 1))
    raw_insert(
        sequence=3,
        created_at=connection.ops.adapt_datetimefield_value(created_at),
        actor_name="Faussaire",
        prev_hash=journal[1].hash,
        hash=forged_hash,
    )
    message = verify_fails()
    assert "[prev_hash_mismatch] — entrée n° 4" in message
    assert "écrite juste après l'entrée n° 2" in message
    assert "insérées après coup" in message


def test_reordered_entries_are_found(journal):
    tamper(
        ("UPDATE journal_entry SET sequence = 1000 WHERE sequence = 2",),
        ("UPDATE journal_entry SET sequence = 2 WHERE sequence = 3",),
        ("UPDATE journal_entry SET sequence = 3 WHERE sequence = 1000",),
    )
    message = verify_fails()
    assert "[reordered] — entrée n° 2" in message
    assert f"écrite après l'entrée n° 3 (id {journal[1].id})" in message


# Checkpoints kept outside the system


def test_verify_from_a_checkpoint(journal):
    out = verify("--since", f"3:{journal[2].hash}")
    assert "3 entrée(s) vérifiée(s) depuis le point de contrôle n° 3" in out


def test_checkpoint_with_another_hash_fails(journal):
    message = verify_fails("--since", f"3:{'b' * 64}")
    assert "[checkpoint_mismatch] — entrée n° 3" in message


def test_malformed_checkpoint_is_refused(journal):
    with pytest.raises(CommandError, match="NUMERO:EMPREINTE"):
        verify("--since", "3:abc")


def test_rewritten_chain_passes_alone_but_not_against_the_exported_head(journal, tmp_path):
    """Someone rewriting entry 2 and re-hashing every later entry makes a valid chain: only the head kept
    outside the system reveals it."""
    head = tmp_path / "tete.json"
    call_command("export_journal_head", "--output", str(head), stdout=io.StringIO())
    statements, prev_hash = [], journal[0].hash
    for row in Entry.objects.filter(sequence__gte=2).order_by("sequence").values(*HASHED_FIELDS):
        if row["sequence"] == 2:
            row["detail"] = "réécrit"
        digest = entry_hash(row, prev_hash)
        statements.append(
            (
                "UPDATE journal_entry SET detail = %s, prev_hash = %s, hash = %s WHERE sequence = %s",
                [row["detail"], prev_hash, digest, row["sequence"]],
            )
        )
        prev_hash = digest
    tamper(*statements)
    assert "Journal intègre : 5 entrée(s)" in verify()
    message = verify_fails("--since-file", str(head))
    assert "[checkpoint_mismatch] — entrée n° 5" in message


def test_truncated_tail_is_found_against_the_exported_head(journal, tmp_path):
    head = tmp_path / "tete.json"
    verify("--export-head", str(head))
    tamper(("DELETE FROM journal_entry WHERE sequence >= 4",))
    assert "Journal intègre : 3 entrée(s)" in verify()
    assert "[checkpoint_missing]" in verify_fails("--since-file", str(head))


def test_exported_heads(journal, tmp_path):
    by_export, by_verify = tmp_path / "a.json", tmp_path / "b.json"
    call_command("export_journal_head", "-o", str(by_export), stdout=io.StringIO())
    verify("--export-head", str(by_verify))
    for path in (by_export, by_verify):
        data = json.loads(path.read_text())
        assert (data["sequence"], data["hash"]) == (5, journal[-1].hash)
        assert data["created_at"] and data["exported_at"]
    out = io.StringIO()
    call_command("export_journal_head", stdout=out)
    assert json.loads(out.getvalue())["hash"] == journal[-1].hash
    assert "1 entrée(s) vérifiée(s) depuis le point de contrôle n° 5" in verify("--since-file", str(by_export))


@pytest.mark.django_db
def test_head_of_an_empty_journal_checks_from_the_genesis(tmp_path):
    head = tmp_path / "vide.json"
    verify("--export-head", str(head))
    assert json.loads(head.read_text())["sequence"] == 0
    append(2)
    assert "2 entrée(s) vérifiée(s) depuis l'origine" in verify("--since-file", str(head))


def test_unreadable_checkpoint_file_is_refused(journal, tmp_path):
    with pytest.raises(CommandError, match="Point de contrôle illisible"):
        verify("--since-file", str(tmp_path / "absent.json"))


@pytest.mark.django_db(transaction=True)
def test_process_exit_codes():
    append(3)
    execute_from_command_line(["manage.py", "verify_journal"])  # returns: exit code 0
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "verify_journal", "--since", f"1:{'f' * 64}"])
    assert exit_.value.code == 1


# Concurrent writers


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_produce_one_linear_chain():
    def append(name):
        with transaction.atomic():
            record(action=Action.LOGIN, actor_user=None, actor_name=name, actor_role=ActorRole.DOCTOR)

    total = append_concurrently(append)
    assert f"Journal intègre : {total} entrée(s) vérifiée(s)" in verify()


# Existing entries, before the chain existed


@pytest.mark.django_db(transaction=True)
def test_migration_chains_the_existing_entries():
    from django.db.migrations.executor import MigrationExecutor

    before = [("journal", "0003_entry_delegation_alter_entry_action")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_entry = MigrationExecutor(connection).loader.project_state(before).apps.get_model("journal", "Entry")
    for i in range(3):
        old_entry.objects.create(
            action="login", action_label="Connexion", actor_name=f"Ancien {i}", actor_role="medecin", changes=[]
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = list(Entry.objects.order_by("id").values_list("sequence", "actor_name"))
    assert rows == [(1, "Ancien 0"), (2, "Ancien 1"), (3, "Ancien 2")]
    assert "Journal intègre : 3 entrée(s)" in verify()
    assert append()[0].sequence == 4
    if connection.vendor == "postgresql":  # the append-only trigger is back on
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'journal_entry_append_only'")
            assert cursor.fetchone() == ("O",)


@pytest.mark.django_db
def test_what_the_caller_does_not_say_is_left_empty():
    """An entry of the platform (expiry, suspension): no card, no login, nobody on whose behalf, nothing changed."""
    entry = record(action=Action.DELEGATION_EXPIRED, actor_user=None, actor_name="la plateforme", actor_role="")
    stored = Entry.objects.values(
        "card_type", "login_method", "auth_mode", "on_behalf_of", "on_behalf_name", "is_delegated", "dossier",
        "delegation", "changes", "detail",
    ).get(pk=entry.pk)  # fmt: skip
    assert stored == {
        "card_type": "",
        "login_method": "",
        "auth_mode": "",
        "on_behalf_of": None,
        "on_behalf_name": "",
        "is_delegated": False,
        "dossier": None,
        "delegation": None,
        "changes": [],
        "detail": "",
    }
