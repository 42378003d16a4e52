"""PostgreSQL: the application's role (not the owner) appends to the journal and cannot change, wipe or unguard it."""

import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dossiers.models import Dossier
from journal.checks import application_role
from journal.models import Action, ActorRole, Entry
from journal.roles import application_role_grants
from journal.services import record
from tests.factories import DossierFactory

OWNER = "must be owner of (table|relation) journal_entry"

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles exist on PostgreSQL")


@pytest.fixture
def app_role(db):
    """A role named after the test database (roles are shared by the whole server), created in the test's
    transaction: the rollback at the end of the test removes it."""
    role = f"{connection.settings_dict['NAME']}_app"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
    call_command("grant_app_role", role, stdout=io.StringIO())
    return role


@pytest.fixture
def as_app(app_role):
    """Run the enclosed statements as the application role (SET ROLE), then back to the test's own user."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")
    try:
        yield app_role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def journaled(name="Dr Essai"):
    return record(action=Action.LOGIN, actor_user=None, actor_name=name, actor_role=ActorRole.DOCTOR)


def test_the_application_role_appends_and_works_elsewhere(db, as_app):
    first, second = journaled("A"), journaled("B")
    assert (second.sequence, second.prev_hash) == (first.sequence + 1, first.hash)
    dossier = DossierFactory()
    assert Dossier.objects.filter(pk=dossier.pk).update(dossier_type="USLD") == 1
    assert Entry.objects.count() == 2


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE journal_entry SET detail = 'x'", "permission denied for table journal_entry"),
        ("DELETE FROM journal_entry", "permission denied for table journal_entry"),
        ("TRUNCATE journal_entry", "permission denied for table journal_entry"),
        ("ALTER TABLE journal_entry DISABLE TRIGGER USER", OWNER),
        ("ALTER TABLE journal_entry DISABLE TRIGGER journal_entry_append_only", OWNER),
        ("DROP TABLE journal_entry", OWNER),
        ("DROP TRIGGER journal_entry_no_truncate ON journal_entry", OWNER),
        ("CREATE TABLE journal_entry_copy (id int)", "permission denied for schema public"),
    ],
)
def test_the_application_role_cannot_change_wipe_or_unguard_the_journal(db, as_app, statement, refusal):
    entry = journaled()
    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE stops at the pending foreign key checks
        cursor.execute(statement)
    assert Entry.objects.filter(pk=entry.pk, detail="").exists()


def test_grants_refuse_a_superuser_or_the_owner(db):
    for role in ("postgres", connection.settings_dict["USER"] or "postgres"):
        with pytest.raises(CommandError, match="superutilisateur|possède"):
            call_command("grant_app_role", role, stdout=io.StringIO())


def test_grants_refuse_a_role_that_inherits_the_owner_s_rights(db):
    role = f"{connection.settings_dict['NAME']}_heir"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [Entry._meta.db_table]
        )
        cursor.execute(f"GRANT {cursor.fetchone()[0]} TO {role}")
    with pytest.raises(CommandError) as refused:
        call_command("grant_app_role", role, stdout=io.StringIO())
    assert str(refused.value).endswith(
        f"le rôle « {role} » possède la table du journal, ou hérite des droits de son propriétaire : "
        "il pourrait la modifier. Choisissez un autre rôle."
    )


def test_grants_refuse_an_unknown_or_malformed_role(db):
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("grant_app_role", "role_inexistant_journal", stdout=io.StringIO())
    with pytest.raises(ValueError, match="invalide"):
        application_role_grants("app; DROP TABLE journal_entry")


def test_check_deploy_warns_when_the_application_owns_the_journal(db):
    # The test user is a superuser. The operator is told the risk and what to do, in full.
    [warning] = application_role(None)
    assert (warning.id, warning.level) == ("journal.W001", checks.WARNING)
    assert warning.msg == (
        "L'application se connecte à PostgreSQL en superutilisateur ou en propriétaire de la table du journal : "
        "elle pourrait en désactiver les déclencheurs puis le modifier ou le vider."
    )
    assert warning.hint == (
        "Donnez à DATABASE_URL un rôle de l'application créé pour elle (manage.py grant_app_role) ; "
        "réservez le propriétaire à migrate (README, « Production »)."
    )


def test_check_deploy_says_nothing_of_roles_it_cannot_read(db, monkeypatch):
    def unreachable(cursor):
        raise DatabaseError("la base ne répond pas")

    monkeypatch.setattr("journal.checks.runs_as_owner", unreachable)
    assert application_role(None) == []


def test_check_deploy_is_quiet_for_the_application_role(db, as_app):
    assert application_role(None) == []


def test_grants_run_by_a_role_that_may_not_grant_say_so(db, app_role):
    """Run with the application's own address, PostgreSQL only warns and grants nothing: no false success."""
    other = f"{app_role}_autre"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {other} NOLOGIN")
        cursor.execute(f"SET ROLE {app_role}")
    try:
        with pytest.raises(CommandError, match="adresse du propriétaire"):
            call_command("grant_app_role", other, stdout=io.StringIO())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
