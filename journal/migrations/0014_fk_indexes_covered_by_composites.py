# The single-column indexes Django gives a foreign key, on dossier and on_behalf_of: journal_dossier_recent and
# journal_principal_recent start with those columns and serve the same lookups, so these two only cost every
# entry two more index writes (and disk: the journal is the largest table). Dropped CONCURRENTLY on PostgreSQL, so
# that journaled actions go on meanwhile; the tables are not rebuilt (Django's AlterField rebuilds a SQLite table).
# Written here, not imported: a migration uses no application code (frozen).

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("journal_entry_dossier_id_2f0b3864", "dossier_id"),
    ("journal_entry_on_behalf_of_id_ab7f0c21", "on_behalf_of_id"),
]


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {quote(name)}")


def create_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    table = quote("journal_entry")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {quote(name)} ON {table} ({quote(column)})"
        )


class Migration(migrations.Migration):
    # PostgreSQL refuses DROP INDEX CONCURRENTLY inside a transaction.
    atomic = False

    dependencies = [
        ("directory", "0006_place_indexes_for_active_searches"),
        ("dossiers", "0002_policy_constraints"),
        ("journal", "0013_journal_indexes_without_consultations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="entry",
                    name="dossier",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="journal_entries",
                        to="dossiers.dossier",
                        verbose_name="dossier",
                    ),
                ),
                migrations.AlterField(
                    model_name="entry",
                    name="on_behalf_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="directory.professional",
                        verbose_name="au nom de",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
