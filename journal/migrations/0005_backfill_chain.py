"""Hash chain, step 2: existing entries get a valid chain, walked by id (the order they were written in).

On PostgreSQL the append-only trigger refuses UPDATE: it is disabled for this migration's transaction only.

What the migration needs of journal/hashing.py and journal/chain.py is copied here, frozen: a later change to
the application's code must not change what an old migration does (the chain format of version 1).
"""

import hashlib
import json
from datetime import UTC

from django.db import migrations

GENESIS_HASH = "0" * 64
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


def entry_hash(entry, prev_hash: str) -> str:
    """SHA-256 of the sorted-key compact JSON (UTF-8) of the hashed fields and the previous hash."""
    content = {name: getattr(entry, name) for name in HASHED_FIELDS}
    content["created_at"] = content["created_at"].astimezone(UTC).isoformat(timespec="microseconds")
    content["prev_hash"] = prev_hash
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def set_append_only_triggers(connection, state: str):
    """DISABLE or ENABLE the journal's own triggers (USER: not the foreign keys'), on PostgreSQL only.

    ALTER TABLE refuses a table with pending (deferred) foreign key checks: they run first.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE journal_entry {state} TRIGGER USER")
        if state == "ENABLE":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


BATCH = 1000


def forwards(apps, schema_editor):
    Entry = apps.get_model("journal", "Entry")
    db = schema_editor.connection.alias
    manager = Entry._base_manager.db_manager(db)
    if not manager.exists():
        return
    prev_hash, sequence, last_id = GENESIS_HASH, 0, 0
    set_append_only_triggers(schema_editor.connection, "DISABLE")
    while batch := list(manager.filter(id__gt=last_id).order_by("id")[:BATCH]):
        for entry in batch:
            sequence += 1
            entry.sequence = sequence
            digest = entry_hash(entry, prev_hash)
            manager.filter(pk=entry.pk).update(sequence=sequence, prev_hash=prev_hash, hash=digest)
            prev_hash = digest
        last_id = batch[-1].id
    set_append_only_triggers(schema_editor.connection, "ENABLE")


def backwards(apps, schema_editor):
    pass  # 0004 backwards drops the columns.


class Migration(migrations.Migration):

    dependencies = [
        ('journal', '0004_entry_chain_fields'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
