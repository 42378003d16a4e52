"""Signed checkpoints: the head of the chain (sequence, hash, time) signed with an Ed25519 key the database never sees.

The chain alone proves that no entry before a known head was changed; it cannot tell a journal emptied or cut at
its end, nor one rewritten and re-hashed by someone who can write to the database. A signed checkpoint kept
outside the database (a directory, a witness's mailbox) can: `verify_journal` checks the chain against every
checkpoint it finds. Entries written after the last checkpoint are not covered until the next one.

A checkpoint is a small JSON file, never any personal data: format, sequence, hash, the head entry's date, the
signing date, the key's fingerprint, and the Ed25519 signature over the canonical JSON of the other fields.
"""

import base64
import binascii
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

FORMAT = "journal-checkpoint-1"
SIGNED_FIELDS = ("format", "sequence", "hash", "head_created_at", "signed_at", "key_id")
HASH = re.compile(r"[0-9a-f]{64}")


class CheckpointError(Exception):
    """A French message for the operator: what is wrong and what to do."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str
    head_created_at: str
    signed_at: str
    key_id: str
    path: Path | None = None

    @property
    def signed_on(self) -> str:
        """The signing date as a reader expects it (local time)."""
        when = timezone.localtime(datetime.fromisoformat(self.signed_at))
        return when.strftime("%d/%m/%Y à %H:%M:%S")

    @property
    def order(self) -> tuple[int, str]:
        return self.sequence, self.signed_at


# Keys


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, in hex: names the key in each checkpoint."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _read_key(path: str, loader, kind: str):
    try:
        key = loader(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as error:
        raise CheckpointError(f"{kind} illisible ({path}) : {error}") from error
    return key


def load_signing_key(path: str | None = None) -> Ed25519PrivateKey:
    """The private key, PEM as `openssl genpkey -algorithm ed25519` writes it (JOURNAL_SIGNING_KEY_FILE)."""
    path = path or settings.JOURNAL_SIGNING_KEY_FILE
    if not path:
        raise CheckpointError(
            "Aucune clé de signature : indiquez le fichier de la clé privée dans JOURNAL_SIGNING_KEY_FILE "
            "(créée par « openssl genpkey -algorithm ed25519 -out cle.pem »)."
        )
    key = _read_key(path, lambda data: serialization.load_pem_private_key(data, password=None), "Clé de signature")
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"Clé de signature ({path}) : une clé Ed25519 est attendue.")
    return key


def load_verify_key() -> Ed25519PublicKey | None:
    """The public key: JOURNAL_VERIFY_KEY_FILE (whoever verifies need not hold the private key), else derived from
    JOURNAL_SIGNING_KEY_FILE; None when neither is set."""
    if settings.JOURNAL_VERIFY_KEY_FILE:
        path = settings.JOURNAL_VERIFY_KEY_FILE
        key = _read_key(path, serialization.load_pem_public_key, "Clé de vérification")
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"Clé de vérification ({path}) : une clé publique Ed25519 est attendue.")
        return key
    if settings.JOURNAL_SIGNING_KEY_FILE:
        return load_signing_key().public_key()
    return None


def create_signing_key(path: str) -> bool:
    """Write a new private key (PEM, PKCS#8, readable by its owner only) unless the file exists. True if written."""
    target = Path(path)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: never overwrite a key another process has just written.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return True


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# Signing and reading


def _signed_bytes(document: dict) -> bytes:
    content = {name: document[name] for name in SIGNED_FIELDS}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(*, sequence: int, hash: str, head_created_at: datetime, private_key: Ed25519PrivateKey) -> dict:
    document = {
        "format": FORMAT,
        "sequence": sequence,
        "hash": hash,
        "head_created_at": head_created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "signed_at": timezone.now().astimezone(UTC).isoformat(timespec="microseconds"),
        "key_id": key_id(private_key.public_key()),
    }
    document["signature"] = base64.b64encode(private_key.sign(_signed_bytes(document))).decode()
    return document


def file_name(document: dict) -> str:
    # Sortable by signing time; the sequence in the name is for the reader.
    signed_at = datetime.fromisoformat(document["signed_at"]).strftime("%Y%m%dT%H%M%S%fZ")
    return f"point-de-controle-{signed_at}-n{document['sequence']}.json"


def write(document: dict, directory: Path) -> Path:
    """Atomically: a reader never sees half a checkpoint (temporary file in the same directory, then rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / file_name(document)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".point-de-controle-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # noqa: S103 (public: a checkpoint holds no secret)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def parse(document, public_key: Ed25519PublicKey, path: Path | None = None) -> Checkpoint:
    """A checkpoint whose signature holds, or CheckpointError saying why not."""
    if not isinstance(document, dict) or set(document) != {*SIGNED_FIELDS, "signature"}:
        raise CheckpointError("ce n'est pas un point de contrôle signé (champs inattendus)")
    if document["format"] != FORMAT:
        raise CheckpointError(f"format inconnu « {document['format']} »")
    sequence, digest = document["sequence"], document["hash"]
    if type(sequence) is not int or sequence < 1 or not isinstance(digest, str) or not HASH.fullmatch(digest):
        raise CheckpointError("numéro ou empreinte invalide")
    expected_key = key_id(public_key)
    if document["key_id"] != expected_key:
        raise CheckpointError(
            f"signé par une autre clé (empreinte {document['key_id']}, clé de vérification {expected_key})"
        )
    try:
        signature = base64.b64decode(document["signature"], validate=True)
        public_key.verify(signature, _signed_bytes(document))
        datetime.fromisoformat(document["signed_at"])
        datetime.fromisoformat(document["head_created_at"])
    except (InvalidSignature, binascii.Error, TypeError, ValueError) as error:
        raise CheckpointError("signature fausse : le fichier a été modifié ou ne vient pas de cette clé") from error
    return Checkpoint(**{name: document[name] for name in SIGNED_FIELDS if name != "format"}, path=path)


def read_directory(directory: Path, public_key: Ed25519PublicKey) -> tuple[list[Checkpoint], list[tuple[Path, str]]]:
    """Every checkpoint file of the directory: (valid ones in (sequence, date) order, [(file, why it is invalid)])."""
    valid, invalid = [], []
    for path in sorted(directory.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            invalid.append((path, f"illisible ({error})"))
            continue
        try:
            valid.append(parse(document, public_key, path))
        except CheckpointError as error:
            invalid.append((path, str(error)))
    valid.sort(key=lambda checkpoint: checkpoint.order)
    return valid, invalid


def checkpoint_directory(value: str | None = None) -> Path:
    value = value or settings.JOURNAL_CHECKPOINT_DIR
    if not value:
        raise CheckpointError(
            "Aucun dossier de points de contrôle : indiquez-le dans JOURNAL_CHECKPOINT_DIR "
            "(hors de la base, idéalement copié ailleurs)."
        )
    return Path(value)


def latest_signed() -> Checkpoint | None:
    """The most recent checkpoint whose signature holds, for a document that cites it (an attestation); None when
    checkpoints are not set up (no directory or key) or none is readable. Reads the directory, not the database."""
    if not settings.JOURNAL_CHECKPOINT_DIR:
        return None
    try:
        public_key = load_verify_key()
        if public_key is None or not Path(settings.JOURNAL_CHECKPOINT_DIR).is_dir():
            return None
        valid, _invalid = read_directory(Path(settings.JOURNAL_CHECKPOINT_DIR), public_key)
    except CheckpointError:
        return None
    return valid[-1] if valid else None
