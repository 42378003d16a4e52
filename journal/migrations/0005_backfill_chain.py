"""Hash chain, step 2: existing entries get a valid chain, walked by id (the order they were written in).

On PostgreSQL the append-only trigger refuses UPDATE: it is disabled for this migration's transaction only.
"""

from django.db import migrations

from journal.chain import append_only_trigger_disabled
from journal.hashing import GENESIS_HASH, entry_hash, fields_of

BATCH = 1000


def forwards(apps, schema_editor):
    Entry = apps.get_model("journal", "Entry")
    db = schema_editor.connection.alias
    manager = Entry._base_manager.db_manager(db)
    if not manager.exists():
        return
    prev_hash, sequence, last_id = GENESIS_HASH, 0, 0
    with append_only_trigger_disabled(schema_editor.connection):
        while batch := list(manager.filter(id__gt=last_id).order_by("id")[:BATCH]):
            for entry in batch:
                sequence += 1
                entry.sequence = sequence
                digest = entry_hash(fields_of(entry), prev_hash)
                manager.filter(pk=entry.pk).update(sequence=sequence, prev_hash=prev_hash, hash=digest)
                prev_hash = digest
            last_id = batch[-1].id


def backwards(apps, schema_editor):
    pass  # 0004 backwards drops the columns.


class Migration(migrations.Migration):

    dependencies = [
        ('journal', '0004_entry_chain_fields'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
