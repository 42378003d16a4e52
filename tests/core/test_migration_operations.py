"""The journal's indexes are built without holding off its inserts (journal/0013's AddIndexWithoutBlockingWrites)."""

import pytest
from django.db import connection
from django.db.migrations import Migration
from django.db.migrations.loader import MigrationLoader

pytestmark = pytest.mark.django_db(transaction=True)  # outside a transaction, as a migration that is not atomic


def sql_of(previous: str, name: str) -> tuple[Migration, list[str], list[str]]:
    """journal migration `name` (after `previous`): itself, the SQL it writes, and the SQL that undoes it."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("journal", name)
    before = loader.project_state(("journal", previous), at_end=True)
    after = loader.project_state(("journal", name), at_end=True)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for operation in migration.operations:
            operation.database_forwards("journal", editor, before, after)
        written = list(editor.collected_sql)
        for operation in reversed(migration.operations):
            operation.database_backwards("journal", editor, after, before)
        undone = editor.collected_sql[len(written) :]
    return migration, written, undone


def test_the_journal_indexes_are_built_concurrently_on_postgresql():
    migration, written, undone = sql_of(
        "0012_oversight_actions_and_principal_index", "0013_journal_indexes_without_consultations"
    )
    assert migration.atomic is False  # PostgreSQL refuses CONCURRENTLY inside a transaction
    assert [type(operation).__name__ for operation in migration.operations] == ["AddIndexWithoutBlockingWrites"] * 3
    assert len(written) == 3 and len(undone) == 3
    concurrently = connection.vendor == "postgresql"
    assert all(("CONCURRENTLY" in sql) is concurrently for sql in written + undone), written + undone
    assert all(sql.startswith("CREATE INDEX") for sql in written)
    assert all(sql.startswith("DROP INDEX") for sql in undone)


def test_the_journal_foreign_keys_own_indexes_are_dropped_concurrently_on_postgresql():
    """journal/0014: two indexes dropped (and put back when undone) without holding off the journal's inserts, and
    without Django's AlterField, which rebuilds a SQLite table."""
    migration, written, undone = sql_of(
        "0013_journal_indexes_without_consultations", "0014_fk_indexes_covered_by_composites"
    )
    assert migration.atomic is False
    concurrently = connection.vendor == "postgresql"
    assert len(written) == 2 and len(undone) == 2, written + undone
    assert all(("CONCURRENTLY" in sql) is concurrently for sql in written + undone), written + undone
    assert all(sql.startswith("DROP INDEX") for sql in written)
    assert all(sql.startswith("CREATE INDEX") for sql in undone)
    assert not any("new__journal_entry" in sql for sql in written + undone)  # no table rebuilt


def test_the_delegated_views_index_replaces_the_old_one_concurrently_on_postgresql():
    """journal/0016: the new index built before the old one is dropped, both without holding off the journal's
    inserts; undone, the old one comes back before the new one goes."""
    migration, written, undone = sql_of("0015_vacuum_after_inserts", "0016_delegated_views_index")
    assert migration.atomic is False
    concurrently = connection.vendor == "postgresql"
    assert len(written) == 2 and len(undone) == 2, written + undone
    assert all(("CONCURRENTLY" in sql) is concurrently for sql in written + undone), written + undone
    assert written[0].startswith("CREATE INDEX") and "journal_delegated_views" in written[0]
    assert written[1].startswith("DROP INDEX") and "journal_principal_views" in written[1]
    assert undone[0].startswith("CREATE INDEX") and "journal_principal_views" in undone[0]
    assert undone[1].startswith("DROP INDEX") and "journal_delegated_views" in undone[1]
