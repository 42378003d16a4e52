"""The checkpoint itself: keys, the signed form, the file, and what parsing refuses, with the operator's messages."""

import base64
import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from journal import checkpoints
from journal.checkpoints import Checkpoint, CheckpointError
from tests.journal.test_checkpoints import signing, write_key  # noqa: F401  # signing: the fixture

HASH = "0123456789abcdef" * 4
SIGNED_AT = "2026-12-03T01:02:03.123456+00:00"
HEAD_CREATED_AT = "2026-12-03T00:59:00.000001+00:00"


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def signed(private_key, **fields) -> dict:
    """A checkpoint document with a signature that holds over its fields, whatever they say."""
    document = {
        "format": checkpoints.FORMAT,
        "sequence": 7,
        "hash": HASH,
        "head_created_at": HEAD_CREATED_AT,
        "signed_at": SIGNED_AT,
        "key_id": checkpoints.key_id(private_key.public_key()),
        **fields,
    }
    document["signature"] = base64.b64encode(private_key.sign(checkpoints._signed_bytes(document))).decode()
    return document


def refused(document, public_key) -> str:
    with pytest.raises(CheckpointError) as error:
        checkpoints.parse(document, public_key)
    return str(error.value)


# Keys


def test_signing_key_messages_say_what_to_do(settings, tmp_path):
    settings.JOURNAL_SIGNING_KEY_FILE = ""
    with pytest.raises(CheckpointError) as error:
        checkpoints.load_signing_key()
    assert str(error.value) == (
        "Aucune clé de signature : indiquez le fichier de la clé privée dans JOURNAL_SIGNING_KEY_FILE "
        "(créée par « openssl genpkey -algorithm ed25519 -out cle.pem »)."
    )
    missing = tmp_path / "absente.pem"
    with pytest.raises(CheckpointError) as error:
        checkpoints.load_signing_key(str(missing))
    assert str(error.value) == (
        f"Clé de signature illisible ({missing}) : [Errno 2] No such file or directory: '{missing}'"
    )


def test_a_signing_key_of_another_type_is_refused(tmp_path):
    path = tmp_path / "ed448.pem"
    path.write_bytes(
        Ed448PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(CheckpointError) as error:
        checkpoints.load_signing_key(str(path))
    assert str(error.value) == f"Clé de signature ({path}) : une clé Ed25519 est attendue."


def test_verify_key_from_its_file_else_from_the_signing_key(settings, tmp_path):
    settings.JOURNAL_SIGNING_KEY_FILE = settings.JOURNAL_VERIFY_KEY_FILE = ""
    assert checkpoints.load_verify_key() is None
    key = write_key(tmp_path / "cle.pem")
    settings.JOURNAL_SIGNING_KEY_FILE = str(tmp_path / "cle.pem")
    assert checkpoints.key_id(checkpoints.load_verify_key()) == checkpoints.key_id(key.public_key())
    # Whoever verifies holds the public key only: its file wins over the signing key.
    other = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "publique.pem").write_text(checkpoints.public_key_pem(other))
    settings.JOURNAL_VERIFY_KEY_FILE = str(tmp_path / "publique.pem")
    assert checkpoints.key_id(checkpoints.load_verify_key()) == checkpoints.key_id(other)


def test_verify_key_messages_name_the_file(settings, tmp_path):
    missing = tmp_path / "absente.pem"
    settings.JOURNAL_VERIFY_KEY_FILE = str(missing)
    with pytest.raises(CheckpointError) as error:
        checkpoints.load_verify_key()
    assert str(error.value) == (
        f"Clé de vérification illisible ({missing}) : [Errno 2] No such file or directory: '{missing}'"
    )
    ed448 = tmp_path / "ed448.pem"
    ed448.write_text(checkpoints.public_key_pem(Ed448PrivateKey.generate().public_key()))
    settings.JOURNAL_VERIFY_KEY_FILE = str(ed448)
    with pytest.raises(CheckpointError) as error:
        checkpoints.load_verify_key()
    assert str(error.value) == f"Clé de vérification ({ed448}) : une clé publique Ed25519 est attendue."


def test_create_signing_key_writes_a_private_pkcs8_key_and_never_replaces_one(tmp_path):
    nested = tmp_path / "var" / "cles" / "cle.pem"
    assert checkpoints.create_signing_key(str(nested)) is True
    pem = nested.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")  # PKCS#8, unencrypted
    assert isinstance(serialization.load_pem_private_key(pem, password=None), Ed25519PrivateKey)
    assert nested.stat().st_mode & 0o777 == 0o600
    assert checkpoints.create_signing_key(str(nested)) is False
    assert nested.read_bytes() == pem
    # In a directory that already exists.
    assert checkpoints.create_signing_key(str(tmp_path / "cle.pem")) is True
    assert (tmp_path / "cle.pem").read_bytes() != pem


# The signed form


def test_signed_bytes_are_canonical_json_of_the_signed_fields():
    document = {
        "signature": "left out",
        "key_id": "clé-é",
        "signed_at": SIGNED_AT,
        "sequence": 7,
        "format": checkpoints.FORMAT,
        "hash": HASH,
        "head_created_at": HEAD_CREATED_AT,
    }
    expected = (
        '{"format":"journal-checkpoint-1","hash":"' + HASH + '","head_created_at":"' + HEAD_CREATED_AT + '",'
        '"key_id":"clé-é","sequence":7,"signed_at":"' + SIGNED_AT + '"}'
    ).encode("utf-8")
    assert checkpoints._signed_bytes(document) == expected


def test_sign_writes_utc_dates(key, monkeypatch):
    paris = timezone(timedelta(hours=1))
    now = datetime(2026, 12, 3, 2, 2, 3, 123456, tzinfo=paris)
    monkeypatch.setattr(checkpoints.timezone, "now", lambda: now)
    document = checkpoints.sign(
        sequence=7, hash=HASH, head_created_at=datetime(2026, 12, 3, 1, 59, 0, 1, tzinfo=paris), private_key=key
    )
    assert {name: value for name, value in document.items() if name != "signature"} == {
        "format": "journal-checkpoint-1",
        "sequence": 7,
        "hash": HASH,
        "head_created_at": HEAD_CREATED_AT,
        "signed_at": SIGNED_AT,
        "key_id": checkpoints.key_id(key.public_key()),
    }
    key.public_key().verify(base64.b64decode(document["signature"]), checkpoints._signed_bytes(document))


# The file


def test_write_names_the_file_and_writes_it_readable_by_all(key, tmp_path):
    document = signed(key, key_id="clé-é")  # not a valid checkpoint: the file keeps what it is given
    directory = tmp_path / "points" / "serveur"
    path = checkpoints.write(document, directory)
    assert path == directory / "point-de-controle-20261203T010203123456Z-n7.json"
    assert path.read_text(encoding="utf-8") == (
        "{\n"
        '  "format": "journal-checkpoint-1",\n'
        '  "sequence": 7,\n'
        f'  "hash": "{HASH}",\n'
        f'  "head_created_at": "{HEAD_CREATED_AT}",\n'
        f'  "signed_at": "{SIGNED_AT}",\n'
        '  "key_id": "clé-é",\n'
        f'  "signature": "{document["signature"]}"\n'
        "}\n"
    )
    assert path.stat().st_mode & 0o777 == 0o644
    assert os.listdir(directory) == [path.name]  # no temporary file left


def test_write_goes_through_a_hidden_temporary_removed_on_failure(key, tmp_path, monkeypatch):
    """A reader of the directory never sees half a checkpoint; a failed write leaves nothing behind, and the error
    that surfaces is the one that stopped it."""
    directory = tmp_path / "points"
    renames = []

    def replace_fails(source, target):
        renames.append((source, target))
        raise OSError("disque plein")

    monkeypatch.setattr(checkpoints.os, "replace", replace_fails)
    with pytest.raises(OSError, match="^disque plein$"):
        checkpoints.write(signed(key), directory)
    [(temporary, target)] = renames
    temporary = checkpoints.Path(temporary)
    assert temporary.parent == directory  # the same file system: the rename is atomic
    assert temporary.name.startswith(".point-de-controle-") and temporary.name.endswith(".tmp")
    assert os.listdir(directory) == []


def test_write_failure_when_the_temporary_is_already_gone(key, tmp_path, monkeypatch):
    def replace_fails(source, target):
        os.unlink(source)  # another process cleaned the directory
        raise OSError("disque plein")

    monkeypatch.setattr(checkpoints.os, "replace", replace_fails)
    with pytest.raises(OSError, match="^disque plein$"):
        checkpoints.write(signed(key), tmp_path)
    assert os.listdir(tmp_path) == []


# Parsing


def test_parse_returns_the_checkpoint_with_its_file(key, tmp_path):
    path = tmp_path / "point.json"
    expected = Checkpoint(
        sequence=1,
        hash=HASH,
        head_created_at=HEAD_CREATED_AT,
        signed_at=SIGNED_AT,
        key_id=checkpoints.key_id(key.public_key()),
        path=path,
    )
    assert checkpoints.parse(signed(key, sequence=1), key.public_key(), path) == expected


NOT_A_CHECKPOINT = "ce n'est pas un point de contrôle signé (champs inattendus)"
INVALID_NUMBER = "numéro ou empreinte invalide"
FORGED = "signature fausse : le fichier a été modifié ou ne vient pas de cette clé"


def with_extra_field(document):
    return {**document, "commentaire": "ajouté"}


def without(name):
    def change(document):
        del document[name]
        return document

    return change


def set_field(name, value):
    def change(document):
        return {**document, name: value}

    return change


@pytest.mark.parametrize(
    ("fields", "change", "message"),
    [
        pytest.param({}, with_extra_field, NOT_A_CHECKPOINT, id="extra-field"),
        pytest.param({}, without("head_created_at"), NOT_A_CHECKPOINT, id="missing-field"),
        pytest.param({}, lambda document: list(document), NOT_A_CHECKPOINT, id="not-an-object"),
        pytest.param({"format": "journal-checkpoint-2"}, None, "format inconnu « journal-checkpoint-2 »", id="format"),
        pytest.param({"sequence": 0}, None, INVALID_NUMBER, id="sequence-0"),
        pytest.param({"sequence": -3}, None, INVALID_NUMBER, id="sequence-negative"),
        pytest.param({"sequence": True}, None, INVALID_NUMBER, id="sequence-bool"),
        pytest.param({"sequence": "7"}, None, INVALID_NUMBER, id="sequence-str"),
        pytest.param({"sequence": 7.0}, None, INVALID_NUMBER, id="sequence-float"),
        pytest.param({"hash": HASH.upper()}, None, INVALID_NUMBER, id="hash-uppercase"),
        pytest.param({"hash": HASH[:-1]}, None, INVALID_NUMBER, id="hash-short"),
        pytest.param({"hash": HASH + "\n"}, None, INVALID_NUMBER, id="hash-then-newline"),
        pytest.param({"hash": "a" + HASH}, None, INVALID_NUMBER, id="hash-after-a-letter"),
        pytest.param({"hash": 12}, None, INVALID_NUMBER, id="hash-not-str"),
        pytest.param({}, set_field("sequence", 8), FORGED, id="field-changed"),
        pytest.param({}, lambda document: {**document, "signature": "!" + document["signature"]}, FORGED, id="base64"),
        pytest.param({}, set_field("signature", base64.b64encode(b"x" * 64).decode()), FORGED, id="bad-signature"),
        pytest.param({}, set_field("signature", 64), FORGED, id="signature-not-str"),
        pytest.param({"signed_at": "hier"}, None, FORGED, id="signed-at"),
        pytest.param({"head_created_at": "2026-13-01T00:00:00+00:00"}, None, FORGED, id="head-created-at"),
        pytest.param({"signed_at": 20261203}, None, FORGED, id="date-not-str"),
    ],
)
def test_parse_refuses_a_malformed_checkpoint(key, fields, change, message):
    document = signed(key, **fields)
    if change:
        document = change(document)
    assert refused(document, key.public_key()) == message


def test_parse_names_both_keys_when_another_signed(key):
    other = Ed25519PrivateKey.generate()
    assert refused(signed(other), key.public_key()) == (
        f"signé par une autre clé (empreinte {checkpoints.key_id(other.public_key())}, "
        f"clé de vérification {checkpoints.key_id(key.public_key())})"
    )


# The directory


def test_read_directory_orders_the_valid_and_says_why_the_others_are_not(key, tmp_path):
    def put(name, document):
        (tmp_path / name).write_text(json.dumps(document))

    (tmp_path / "a.json").write_text("pas du json")
    put("b.json", signed(key, sequence=9, signed_at="2026-12-03T02:00:00+00:00"))
    put("c.json", signed(key, sequence=3))
    put("d.json", with_extra_field(signed(key)))
    put("e.json", signed(key, sequence=9, signed_at="2026-12-03T01:00:00+00:00"))
    (tmp_path / "f.json").mkdir()
    put("notes.txt", signed(key))
    valid, invalid = checkpoints.read_directory(tmp_path, key.public_key())
    assert [(checkpoint.sequence, checkpoint.path) for checkpoint in valid] == [
        (3, tmp_path / "c.json"),
        (9, tmp_path / "e.json"),
        (9, tmp_path / "b.json"),
    ]
    assert invalid == [
        (tmp_path / "a.json", "illisible (Expecting value: line 1 column 1 (char 0))"),
        (tmp_path / "d.json", NOT_A_CHECKPOINT),
        (tmp_path / "f.json", f"illisible ([Errno 21] Is a directory: '{tmp_path / 'f.json'}')"),
    ]


def test_checkpoint_directory_says_where_to_set_it(settings, tmp_path):
    settings.JOURNAL_CHECKPOINT_DIR = ""
    with pytest.raises(CheckpointError) as error:
        checkpoints.checkpoint_directory()
    assert str(error.value) == (
        "Aucun dossier de points de contrôle : indiquez-le dans JOURNAL_CHECKPOINT_DIR "
        "(hors de la base, idéalement copié ailleurs)."
    )
    assert checkpoints.checkpoint_directory(str(tmp_path)) == tmp_path
    settings.JOURNAL_CHECKPOINT_DIR = str(tmp_path / "points")
    assert checkpoints.checkpoint_directory() == tmp_path / "points"


def test_latest_signed_is_the_last_valid_one(signing, settings, tmp_path):  # noqa: F811
    directory = tmp_path / "points"
    assert checkpoints.latest_signed() is None  # no directory yet
    directory.mkdir()
    assert checkpoints.latest_signed() is None  # an empty directory
    checkpoints.write(signed(signing, sequence=5), directory)
    checkpoints.write(signed(signing, sequence=4, signed_at="2026-12-04T00:00:00+00:00"), directory)
    (directory / "z.json").write_text("{}")
    assert checkpoints.latest_signed().sequence == 5


@pytest.mark.parametrize("unset", ["JOURNAL_CHECKPOINT_DIR", "JOURNAL_SIGNING_KEY_FILE"])
def test_latest_signed_is_none_without_settings(signing, settings, tmp_path, unset):  # noqa: F811
    checkpoints.write(signed(signing), tmp_path / "points")
    setattr(settings, unset, "")
    assert checkpoints.latest_signed() is None


def test_latest_signed_is_none_when_the_key_is_unreadable(signing, settings, tmp_path):  # noqa: F811
    checkpoints.write(signed(signing), tmp_path / "points")
    settings.JOURNAL_SIGNING_KEY_FILE = str(tmp_path / "absente.pem")
    assert checkpoints.latest_signed() is None
