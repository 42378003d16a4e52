"""Migration operations for large tables.

`AddIndexWithoutBlockingWrites`: Django's `AddIndex`, except that on PostgreSQL the index is built CONCURRENTLY, so
writes to the table go on meanwhile. A plain CREATE INDEX on the journal holds off every insert until it is built
(about 20 s for three indexes on the bench's 10 million entries): no login, no dossier opened, no action could be
journaled during a deploy. SQLite has no such build: a plain CREATE INDEX there. A migration using it declares
`atomic = False` (PostgreSQL refuses CONCURRENTLY inside a transaction).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


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
