"""The partial indexes that keep the consultations out of two lists' reads (journal/models.py): the consultations pile
up as a dossier is opened, and without them the latest change of each dossier of Mes dossiers and the pages and the
count of « Actions faites en mon nom » walked every one of them. A partial index serves a query only when the
query's own conditions imply the index's, whatever its parameters (core/lookups.py): these tests ask each database
for the plan of the real queries, on PostgreSQL the generic plan it keeps for a statement run often (on SQLite too
they fail with the actions bound)."""

import re

import pytest
from django.db import connection

from dossiers.selectors import _latest_changes
from oversight.selectors import _ACTIONS
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    if connection.vendor != "postgresql":
        return queryset.explain()
    # The plan PostgreSQL keeps for a statement run often (prepared by psycopg, plan_cache_mode `auto`): made once,
    # without its parameters' values. (EXPLAIN of a query with parameters would plan it for their values.)
    sql, params = queryset.query.sql_with_params()
    numbers = iter(range(1, len(params) + 1))
    with connection.cursor() as cursor:
        # The test tables are tiny: without this PostgreSQL would rightly read them whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE plan_of_test AS {re.sub('%s', lambda _: f'${next(numbers)}', sql)}")
        # A utility statement takes no parameter: the values written in (by psycopg).
        cursor.execute(
            connection.ops.compose_sql(f"EXPLAIN EXECUTE plan_of_test({', '.join(['%s'] * len(params))})", params)
        )
        found = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE plan_of_test")
    return found


def test_latest_change_of_each_dossier_reads_the_changes_only():
    dossier = DossierFactory()
    found = plan(_latest_changes(dossier_ids=[dossier.pk]))
    assert "journal_dossier_changes" in found, found


@pytest.mark.parametrize(
    ("group", "hide_views", "index"),
    [
        ("", True, "journal_principal_actions"),  # as the list opens
        ("creation", True, "journal_principal_actions"),
        ("delegation", False, "journal_principal_actions"),
        ("consultation", False, "journal_delegated_views"),
        ("", False, "journal_principal_recent"),  # everything, the consultations too
    ],
)
def test_actions_in_my_name_read_the_index_of_what_they_show(group, hide_views, index):
    if group == "delegation" and connection.vendor != "postgresql":
        # SQLite's planner does not prove `<> 'dossier_viewed'` from an IN list of other actions: the general index.
        pytest.skip("SQLite reads journal_principal_recent for a group of several actions")
    dossier = DossierFactory()
    doctor = dossier.medecin_traitant
    entries = _ACTIONS.queryset(doctor_id=doctor.pk, user_id=doctor.pk + 1, shape=(group, hide_views, ()))
    if index != "journal_principal_recent" and connection.vendor == "postgresql":
        # On tables this small the general index costs the same as the partial one, and PostgreSQL took either
        # depending on the statistics earlier tests left. Without it (rolled back with the test), the partial index
        # is read only if the query's conditions imply its own: what this test is about.
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX journal_principal_recent")
    found = plan(entries[:25])
    assert index in found, found


@pytest.mark.parametrize("model", ["journal.Entry", "dossiers.Dossier"])
def test_no_index_of_the_journal_or_the_dossiers_is_the_start_of_another(model):
    """Every index costs each entry one more write (each opening of a dossier writes one): an index whose columns
    begin another's serves nothing that one does not, so none is left (journal/migrations/0014). Partial indexes,
    which hold fewer rows, and unique ones, which are rules, are not counted as the start of another. For the
    dossiers, the doctor's one-column index also led PostgreSQL's generic plan of Mes dossiers, once it knew the
    page's LIMIT, to read and sort all of a doctor's dossiers rather than follow dossier_doctor_recent
    (dossiers/migrations/0003, docs/performance.md)."""
    from django.apps import apps

    indexed = apps.get_model(model)
    partial = {index.name for index in indexed._meta.indexes if index.condition is not None}
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, indexed._meta.db_table)
    plain = {
        name: tuple(about["columns"])
        for name, about in found.items()
        if about["index"] and not about["unique"] and not about["primary_key"] and name not in partial
    }
    assert len(plain) >= 4, plain  # read from the database: the composites and the plain foreign keys' indexes
    redundant = [
        (name, other)
        for name, columns in plain.items()
        for other, longer in plain.items()
        if other != name and longer[: len(columns)] == columns
    ]
    assert redundant == []


def test_postgresql_vacuums_the_journal_after_a_few_thousand_entries():
    """An insert-only table is vacuumed after 20 % of its rows by default (two million entries at ten million): until
    then the counts of « Actions faites en mon nom », index-only, read the table for each recent entry
    (journal/migrations/0015)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no vacuum of its own to tune")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'journal_entry'")
        (options,) = cursor.fetchone()
    assert set(options or []) >= {"autovacuum_vacuum_insert_scale_factor=0", "autovacuum_vacuum_insert_threshold=5000"}
