"""On PostgreSQL the database refuses TRUNCATE of the journal too (a row trigger does not see it).

A statement-level trigger: TRUNCATE fires no row trigger, so 0002 let it wipe the table. (SQLite has no
TRUNCATE.) Only the table's owner can disable it: the application runs with a role that does not own the
table (README, « Production »).
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER journal_entry_no_truncate
    BEFORE TRUNCATE ON journal_entry
    FOR EACH STATEMENT EXECUTE FUNCTION journal_entry_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS journal_entry_no_truncate ON journal_entry;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0008_operator_and_suspension_actions")]
    operations = [migrations.RunPython(forwards, backwards)]
