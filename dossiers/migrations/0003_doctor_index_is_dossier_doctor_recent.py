# The single-column index Django gives the foreign key medecin_traitant: dossier_doctor_recent starts with that column
# and serves the same lookups. Beside it, PostgreSQL's generic plan of Mes dossiers (a prepared statement, once the
# page's LIMIT is written in its SQL) read all of a doctor's dossiers through it and sorted them, to count the first
# pages, instead of following dossier_doctor_recent (docs/performance.md). Dropped CONCURRENTLY on PostgreSQL, so that
# dossiers are read and written meanwhile; the table is not rebuilt (Django's AlterField rebuilds a SQLite table, and
# on PostgreSQL drops and checks again the foreign key). Written here, not imported: a migration uses no application
# code (frozen).

import django.db.models.deletion
from django.db import migrations, models

INDEX, TABLE, COLUMN = "dossiers_dossier_medecin_traitant_id_d50a8a36", "dossiers_dossier", "medecin_traitant_id"


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {schema_editor.quote_name(INDEX)}")


def create_index(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {quote(INDEX)} ON {quote(TABLE)} ({quote(COLUMN)})"
    )


class Migration(migrations.Migration):
    # PostgreSQL refuses DROP INDEX CONCURRENTLY inside a transaction.
    atomic = False

    dependencies = [
        ("directory", "0006_place_indexes_for_active_searches"),
        ("dossiers", "0002_policy_constraints"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="dossier",
                    name="medecin_traitant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="directory.professional",
                        verbose_name="médecin traitant",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
    ]
