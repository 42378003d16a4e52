"""Signed checkpoints: a journal emptied, cut at its end or rewritten and re-hashed is found, with the number."""

import io
import json
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from journal import checkpoints
from journal.chain import append_only_trigger_disabled
from journal.hashing import HASHED_FIELDS, entry_hash
from journal.models import Entry
from outbox.models import Message
from tests.journal.test_chain import append, tamper


def write_key(path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


@pytest.fixture
def signing(settings, tmp_path):
    """A signing key and an empty checkpoint directory, as settings."""
    key = write_key(tmp_path / "cle.pem")
    settings.JOURNAL_SIGNING_KEY_FILE = str(tmp_path / "cle.pem")
    settings.JOURNAL_VERIFY_KEY_FILE = ""
    settings.JOURNAL_CHECKPOINT_DIR = str(tmp_path / "points")
    settings.JOURNAL_WITNESS_EMAIL = ""
    return key


@pytest.fixture
def sixty(db, signing):
    """60 entries, signed at 40 and at 60."""
    append(40)
    checkpoint("--first")
    append(20)
    checkpoint()
    return list(Entry.objects.order_by("sequence"))


def checkpoint(*args) -> str:
    out = io.StringIO()
    call_command("journal_checkpoint", *args, stdout=out)
    return out.getvalue()


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_journal", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails(*args) -> str:
    with pytest.raises(CommandError) as error:
        verify(*args)
    assert error.value.returncode == 1
    return str(error.value)


def files(settings):
    return sorted(checkpoints.Path(settings.JOURNAL_CHECKPOINT_DIR).glob("*.json"))


def rewrite_from(sequence, detail="réécrit"):
    """What someone who can write to the database and knows journal/hashing.py does: change an entry, then
    recompute every later hash so that the chain holds again."""
    prev_hash = Entry.objects.get(sequence=sequence - 1).hash
    statements = []
    for row in Entry.objects.filter(sequence__gte=sequence).order_by("sequence").values(*HASHED_FIELDS):
        if row["sequence"] == sequence:
            row["detail"] = detail
        digest = entry_hash(row, prev_hash)
        statements.append(
            (
                "UPDATE journal_entry SET detail = %s, prev_hash = %s, hash = %s WHERE sequence = %s",
                [row["detail"], prev_hash, digest, row["sequence"]],
            )
        )
        prev_hash = digest
    tamper(*statements)


# Writing checkpoints


def test_checkpoint_is_a_signed_file_without_personal_data(sixty, settings, signing):
    first, second = files(settings)
    document = json.loads(second.read_text())
    assert set(document) == {"format", "sequence", "hash", "head_created_at", "signed_at", "key_id", "signature"}
    assert (document["sequence"], document["hash"]) == (60, sixty[-1].hash)
    assert json.loads(first.read_text())["sequence"] == 40
    assert document["key_id"] == checkpoints.key_id(signing.public_key())
    assert checkpoints.parse(document, signing.public_key()).sequence == 60
    assert "Personne" not in second.read_text()  # the actors' names of the fixture
    assert second.name.startswith("point-de-controle-") and second.name.endswith("-n60.json")
    assert [path.name for path in files(settings)] == sorted(path.name for path in files(settings))


def test_an_empty_journal_is_not_signed(db, signing, settings):
    assert "Journal vide" in checkpoint()
    assert files(settings) == []


def test_checkpoint_without_a_key_is_refused(db, settings, tmp_path):
    settings.JOURNAL_SIGNING_KEY_FILE = ""
    settings.JOURNAL_CHECKPOINT_DIR = str(tmp_path)
    with pytest.raises(CommandError, match="JOURNAL_SIGNING_KEY_FILE"):
        checkpoint()


def test_nothing_is_signed_over_a_rewritten_chain(sixty, settings):
    rewrite_from(50)
    with pytest.raises(CommandError, match="rien n'est signé") as error:
        checkpoint()
    assert "n° 60" in str(error.value)
    assert str(error.value).startswith("Journal altéré [")
    assert str(error.value).endswith(" : rien n'est signé. Lancez verify_journal et prévenez l'officier de sécurité.")
    assert len(files(settings)) == 2


def test_nothing_is_signed_next_to_a_forged_checkpoint(sixty, settings):
    path = files(settings)[-1]
    path.write_text(path.read_text().replace('"sequence": 60', '"sequence": 59'))
    with pytest.raises(CommandError, match=f"{path.name} : signature fausse.*rien n'est signé"):
        checkpoint()
    assert len(files(settings)) == 2


def test_verify_says_when_no_checkpoint_directory_is_set(sixty, settings):
    settings.JOURNAL_CHECKPOINT_DIR = ""
    err = io.StringIO()
    call_command("verify_journal", stdout=io.StringIO(), stderr=err)
    assert "ne serait pas détecté" in err.getvalue()


def test_nothing_is_signed_when_the_checkpoints_are_gone(sixty, settings):
    """Emptying the directory then rewriting the chain must not get the rewrite signed by the next run."""
    for path in files(settings):
        path.unlink()
    rewrite_from(50)
    with pytest.raises(CommandError, match="Aucun point de contrôle signé.*--first") as error:
        checkpoint()
    assert files(settings) == []
    assert str(error.value) == (
        f"Aucun point de contrôle signé dans {settings.JOURNAL_CHECKPOINT_DIR}, alors que le journal a des entrées : "
        "rien n'est signé. S'il s'agit du tout premier, relancez avec --first ; sinon restaurez le dossier depuis sa "
        "copie (courriels au témoin) et prévenez l'officier de sécurité."
    )


def test_checkpoint_is_mailed_to_the_witness(sixty, settings):
    settings.JOURNAL_WITNESS_EMAIL = "officier.securite@example.org"
    out = checkpoint()
    assert out.strip().endswith(f", écrit dans {files(settings)[-1]}.")
    message = Message.objects.get(to="officier.securite@example.org")
    assert message.subject == "Point de contrôle signé du journal : entrée n° 60"
    assert json.loads(files(settings)[-1].read_text())["signature"] in message.body_text
    assert "verify_journal --checkpoints" in message.body_text
    assert message.idempotency_key == f"journal-{files(settings)[-1].stem}" and ":" not in message.idempotency_key
    assert message.ref == "journal-checkpoint"
    # The witness keeps this mail outside the system: what it holds and what to do with it, in full.
    path = files(settings)[-1]
    document = json.loads(path.read_text())
    assert message.body_text == (
        "Bonjour,\n\n"
        "Voici le point de contrôle signé du journal des actions de l'Espace médecins au "
        f"{document['signed_at']} (UTC) : entrée n° 60, empreinte {document['hash']}.\n\n"
        "Conservez ce courriel, hors du système. Pour vérifier plus tard qu'aucune entrée jusqu'à ce numéro n'a été "
        f"supprimée ni réécrite, enregistrez le texte ci-dessous dans un fichier « {path.name} », seul ou avec les "
        "précédents dans un dossier, puis lancez : python manage.py verify_journal --checkpoints DOSSIER\n\n"
        f"{json.dumps(document, indent=2, ensure_ascii=False)}\n"
    )


def test_every_round_signs_again(sixty, settings, monkeypatch):
    def stop(seconds):
        assert seconds == 86400
        raise KeyboardInterrupt

    monkeypatch.setattr("journal.management.commands.journal_checkpoint.time.sleep", stop)
    call_command("journal_checkpoint", "--every", "86400", stdout=io.StringIO())
    assert len(files(settings)) == 3


def test_first_opens_the_series_only_once(db, signing, settings, monkeypatch):
    """In --every mode, --first applies to the first checkpoint only: a directory emptied later stops the loop's
    signing instead of restarting the series over whatever the journal then holds."""
    rounds = []

    def next_round(seconds):
        rounds.append(seconds)
        if len(rounds) == 1:
            for path in files(settings):
                path.unlink()
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("journal.management.commands.journal_checkpoint.time.sleep", next_round)
    # Between rounds the command drops a stale connection; here it is the test's own transaction.
    monkeypatch.setattr("journal.management.commands.journal_checkpoint.close_old_connections", lambda: None)
    append(3)
    err = io.StringIO()
    call_command("journal_checkpoint", "--first", "--every", "60", stdout=io.StringIO(), stderr=err)
    assert files(settings) == []
    assert "Aucun point de contrôle signé" in err.getvalue()


def test_first_is_spent_by_the_first_round_even_when_it_fails(db, monkeypatch):
    """A first round that fails (database down, an alarm) must not leave --first on for the next ones: otherwise an
    emptied directory and a rewritten chain would be signed later as a new series."""
    from journal.management.commands import journal_checkpoint

    asked = []

    def once(self, first):
        asked.append(first)
        if len(asked) == 1:
            raise checkpoints.CheckpointError("chaîne rompue")
        return True

    def next_round(seconds):
        if len(asked) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(journal_checkpoint.Command, "once", once)
    monkeypatch.setattr(journal_checkpoint.time, "sleep", next_round)
    monkeypatch.setattr(journal_checkpoint, "close_old_connections", lambda: None)
    call_command("journal_checkpoint", "--first", "--every", "60", stdout=io.StringIO(), stderr=io.StringIO())
    assert asked == [True, False, False]


def test_first_waits_while_the_journal_is_empty(db, signing, settings, monkeypatch):
    """`make run` starts on an empty journal: --first must still open the series once entries come."""
    from journal.management.commands import journal_checkpoint

    rounds = []

    def next_round(seconds):
        rounds.append(seconds)
        if len(rounds) == 1:
            append(3)  # the demo's first actions
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(journal_checkpoint.time, "sleep", next_round)
    monkeypatch.setattr(journal_checkpoint, "close_old_connections", lambda: None)
    call_command("journal_checkpoint", "--first", "--every", "60", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(files(settings)) == 1


def test_create_key_writes_a_private_key_once(db, settings, tmp_path):
    path = tmp_path / "var" / "cle.pem"
    settings.JOURNAL_SIGNING_KEY_FILE = str(path)
    settings.JOURNAL_CHECKPOINT_DIR = str(tmp_path / "points")
    call_command("journal_checkpoint", "--create-key", stdout=io.StringIO())
    pem = path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    assert isinstance(checkpoints.load_signing_key(), Ed25519PrivateKey)
    call_command("journal_checkpoint", "--create-key", stdout=io.StringIO())
    assert path.read_bytes() == pem


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_key_written_by_openssl_signs(db, settings, tmp_path):
    path = tmp_path / "openssl.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(path)], check=True)  # noqa: S603, S607
    settings.JOURNAL_SIGNING_KEY_FILE = str(path)
    settings.JOURNAL_VERIFY_KEY_FILE = ""
    settings.JOURNAL_CHECKPOINT_DIR = str(tmp_path / "points")
    append(3)
    assert "entrée n° 3" in checkpoint("--first")
    assert "Conforme au point de contrôle signé" in verify()


# Verifying against them


def test_untouched_journal_matches_its_checkpoints(sixty):
    out = verify()
    assert "Journal intègre : 60 entrée(s) vérifiée(s)" in out
    assert "(entrée n° 60) ; 2 point(s) de contrôle signé(s) vérifié(s)" in out


def test_entries_after_the_last_checkpoint_are_fine(sixty):
    append(5)
    assert "Journal intègre : 65 entrée(s)" in verify()


def test_verification_with_the_public_key_only(sixty, settings, tmp_path, signing):
    public = tmp_path / "cle-publique.pem"
    public.write_text(checkpoints.public_key_pem(signing.public_key()))
    settings.JOURNAL_SIGNING_KEY_FILE = ""
    settings.JOURNAL_VERIFY_KEY_FILE = str(public)
    assert "Conforme au point de contrôle signé" in verify()


def test_emptied_journal_is_found(sixty):
    """TRUNCATE as the owner can do it (triggers disabled) on PostgreSQL; a raw DELETE on SQLite."""
    statement = "TRUNCATE journal_entry" if connection.vendor == "postgresql" else "DELETE FROM journal_entry"
    tamper((statement,))
    assert not Entry.objects.exists()
    message = verify_fails()
    assert "[journal_emptied]" in message
    assert "atteste l'entrée n° 60 : entrées n° 1 à 60 supprimées" in message


def test_deleted_tail_is_found(sixty):
    tamper(("DELETE FROM journal_entry WHERE sequence > 55",))
    message = verify_fails()
    assert "[journal_truncated]" in message
    assert "s'arrête à l'entrée n° 55" in message
    assert "atteste l'entrée n° 60 : entrée(s) n° 56 à 60 supprimée(s)" in message


def test_rewritten_and_rehashed_chain_is_found(sixty, settings):
    rewrite_from(50)
    directory, settings.JOURNAL_CHECKPOINT_DIR = settings.JOURNAL_CHECKPOINT_DIR, ""
    assert "Journal intègre : 60 entrée(s)" in verify()  # the chain alone holds again
    settings.JOURNAL_CHECKPOINT_DIR = directory
    message = verify_fails()
    assert "[signed_checkpoint_mismatch] — entrée n° 60" in message
    # The checkpoint at 40 still matches: the rewrite started after it.
    assert "réécrite puis recalculée entre l'entrée n° 41 et l'entrée n° 60" in message


def test_checkpoints_kept_elsewhere(sixty, settings, tmp_path):
    """The security officer's copy (--checkpoints) counts even when the server's directory was emptied."""
    copy = tmp_path / "copie"
    shutil.copytree(settings.JOURNAL_CHECKPOINT_DIR, copy)
    for path in files(settings):
        path.unlink()
    tamper(("DELETE FROM journal_entry WHERE sequence > 45",))
    assert "Journal intègre : 45 entrée(s)" in verify()
    assert "entrée(s) n° 46 à 60 supprimée(s)" in verify_fails("--checkpoints", str(copy))


def test_since_still_works_with_checkpoints(sixty):
    out = verify("--since", f"50:{sixty[49].hash}")
    assert "11 entrée(s) vérifiée(s) depuis le point de contrôle n° 50" in out
    assert "(entrée n° 60)" in out


def test_forged_checkpoint_is_reported(sixty, settings):
    path = files(settings)[-1]
    document = json.loads(path.read_text())
    document["sequence"] = 59  # moved back, as if entry 60 had never existed
    path.write_text(json.dumps(document))
    message = verify_fails()
    assert f"point de contrôle signé {path.name} invalide : signature fausse" in message


def test_checkpoint_signed_with_another_key_is_reported(sixty, settings, tmp_path):
    other = write_key(tmp_path / "autre.pem")
    document = checkpoints.sign(
        sequence=60, hash=sixty[-1].hash, head_created_at=sixty[-1].created_at, private_key=other
    )
    checkpoints.write(document, checkpoints.Path(settings.JOURNAL_CHECKPOINT_DIR))
    assert "signé par une autre clé" in verify_fails()


def test_missing_checkpoint_directory_is_reported(sixty, settings):
    shutil.rmtree(settings.JOURNAL_CHECKPOINT_DIR)
    assert "n'existe pas" in verify_fails()


def test_checkpoints_without_a_verification_key_are_refused(sixty, settings):
    settings.JOURNAL_SIGNING_KEY_FILE = ""
    assert "aucune clé pour les vérifier" in verify_fails()


@pytest.mark.django_db(transaction=True)
def test_process_exit_code_after_a_cut(signing):
    from django.core.management import execute_from_command_line

    append(3)
    checkpoint("--first")
    with transaction.atomic(), append_only_trigger_disabled(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM journal_entry WHERE sequence = 3")
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "verify_journal"])
    assert exit_.value.code == 1
