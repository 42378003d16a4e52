# « Actions faites en mon nom » filtered on « Consultation »: an index of the consultations by delegation only. The
# doctor's own consultations are in his own name too; in journal_principal_views they lay between his delegates', and
# every page and count of the list walked past them (a doctor opens his dossiers far more often than his delegates).
# The new index is built first, then the old one dropped, both CONCURRENTLY on PostgreSQL: the journal keeps taking
# entries meanwhile, and the list never goes without an index. SQLite: plain CREATE and DROP INDEX.
# Written here, not imported: a migration uses no application code (frozen).

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.migrations.operations import AddIndex, RemoveIndex


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexWithoutBlockingWrites(RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    # PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a transaction.
    atomic = False

    dependencies = [
        ("journal", "0015_vacuum_after_inserts"),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="entry",
            index=models.Index(
                condition=models.Q(("action", "dossier_viewed"), ("is_delegated", True)),
                fields=["on_behalf_of", "-created_at", "-id"],
                include=("actor",),
                name="journal_delegated_views",
            ),
        ),
        RemoveIndexWithoutBlockingWrites(model_name="entry", name="journal_principal_views"),
    ]
