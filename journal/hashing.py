"""The hash of a journal entry: SHA-256 over a canonical serialisation of its content and the previous hash.

Pure functions, no database: used by `record` (writing), `verify_journal` (reading) and the back-fill
migration. Changing anything here breaks every existing chain: add a new format version instead.
"""

import hashlib
import json
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# Every meaningful field of an entry, by its column name (foreign keys by id). `id` is not among them:
# it is known only after the INSERT; the sequence number plays its part.
HASHED_FIELDS = (
    "sequence",
    "created_at",
    "action",
    "action_label",
    "actor_id",
    "actor_name",
    "actor_role",
    "card_type",
    "login_method",
    "auth_mode",
    "on_behalf_of_id",
    "on_behalf_name",
    "is_delegated",
    "dossier_id",
    "delegation_id",
    "changes",
    "detail",
)


def _timestamp(value: datetime) -> str:
    # Always UTC with microseconds: the same text whatever the database or the time zone returned.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(fields: dict, prev_hash: str) -> bytes:
    """Sorted-key compact JSON (UTF-8) of the hashed fields and the previous hash."""
    content = {name: fields[name] for name in HASHED_FIELDS}
    content["created_at"] = _timestamp(content["created_at"])
    content["prev_hash"] = prev_hash
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# Stand-ins for the two values known only under the append lock. A text value is written by json.dumps between quotes,
# its own quotes and control characters escaped: the quoted stand-in cannot come out of any other value.
_PREV_HASH_STAND_IN, _SEQUENCE_STAND_IN = "\x00prev_hash\x00", "\x00sequence\x00"


def canonical_parts(fields: dict) -> tuple[str, str, str]:
    """`canonical` of an entry whose sequence and previous hash are not known yet, in three texts (head, middle,
    tail) such that `canonical(fields, prev_hash)` is head + prev_hash + middle + str(sequence) + tail, UTF-8: the
    database completes it under the append lock (journal/chain.py). `fields["sequence"]` is not read."""
    text = canonical({**fields, "sequence": _SEQUENCE_STAND_IN}, _PREV_HASH_STAND_IN).decode()
    head, _, rest = text.partition(json.dumps(_PREV_HASH_STAND_IN))
    middle, _, tail = rest.partition(json.dumps(_SEQUENCE_STAND_IN))
    return head + '"', '"' + middle, tail


def entry_hash(fields: dict, prev_hash: str) -> str:
    """64 hex characters. `fields` maps every name of HASHED_FIELDS to its value (a `values()` row)."""
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()


def fields_of(entry) -> dict:
    """The hashed fields of a model instance (current or historical)."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}
