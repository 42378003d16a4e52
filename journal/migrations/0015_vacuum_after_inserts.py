# PostgreSQL: the journal vacuumed after every INSERTS_BEFORE_VACUUM new entries, whatever its size.
#
# The journal only ever takes inserts. PostgreSQL vacuums such a table after 1,000 + 20 % of its rows inserted (its
# defaults): two million entries at ten million. Until then its recent pages are not marked all-visible, and the
# index-only reads of « Actions faites en mon nom » (its counts), which read precisely the recent entries, go back to
# the table for each one (docs/performance.md). A vacuum after a few thousand inserts only reads the pages not yet
# marked (the visibility map), and freezes them early, in small steps. SQLite has nothing of the kind: nothing to do.
# Written here, not imported: a migration uses no application code (frozen).

from django.db import migrations

INSERTS_BEFORE_VACUUM = 5000
SETTINGS = {
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_insert_threshold": str(INSERTS_BEFORE_VACUUM),
}


def set_vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        written = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())  # our constants
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name('journal_entry')} SET ({written})")


def reset_vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name('journal_entry')} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0014_fk_indexes_covered_by_composites"),
    ]

    operations = [migrations.RunPython(set_vacuum, reset_vacuum, elidable=False)]
