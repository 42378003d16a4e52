"""On PostgreSQL the database itself refuses UPDATE and DELETE on the journal.

(SQLite relies on the model and queryset guards: Django's test flush deletes rows there.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION journal_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'journal_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_entry_append_only
    BEFORE UPDATE OR DELETE ON journal_entry
    FOR EACH ROW EXECUTE FUNCTION journal_entry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS journal_entry_append_only ON journal_entry;
DROP FUNCTION IF EXISTS journal_entry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
