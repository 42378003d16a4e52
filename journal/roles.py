"""PostgreSQL: the application's own database role, which may append to the journal but not change it.

Two roles: the owner of the tables runs the migrations; the application runs with a role that owns nothing. The
owner can still disable the journal's triggers (ALTER TABLE), truncate or drop it; the application role cannot:
it has SELECT and INSERT on the journal, and the ordinary rights on every other table (README, « Production »).
"""

import re

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def application_role_grants(role: str, schema: str = "public") -> list[str]:
    """The statements the owner runs (again after each migrate: new tables get the default privileges anyway)."""
    if not ROLE_NAME.match(role) or not ROLE_NAME.match(schema):
        raise ValueError(f"Nom de rôle ou de schéma invalide : « {role} », « {schema} » (minuscules, chiffres, _).")
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # The journal: read and append only (the triggers refuse the rest even to the owner, unless disabled).
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {schema}.journal_entry FROM {role}",
        # Tables and sequences the owner creates later (migrations) are the application's too.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


def refusal(cursor, role: str) -> str | None:
    """Why this role must not be the application's (French), or None. Run on the owner's connection."""
    cursor.execute(
        "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'MEMBER') "
        "FROM pg_roles r, pg_class c WHERE r.rolname = %s AND c.oid = 'journal_entry'::regclass",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return f"le rôle « {role} » n'existe pas : créez-le d'abord (CREATE ROLE {role} LOGIN PASSWORD '…')."
    superuser, owner = row
    if superuser:
        return f"le rôle « {role} » est superutilisateur : il pourrait désactiver les déclencheurs du journal."
    if owner:
        return (
            f"le rôle « {role} » possède la table du journal, ou hérite des droits de son propriétaire : "
            "il pourrait la modifier. Choisissez un autre rôle."
        )
    return None


def runs_as_owner(cursor) -> bool:
    """True when the connection's role is a superuser or may act as the journal table's owner."""
    cursor.execute(
        "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER') "
        "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'journal_entry'::regclass"
    )
    row = cursor.fetchone()
    return bool(row and row[0])
