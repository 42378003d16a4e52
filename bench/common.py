"""What the benchmark scripts share: a fresh, empty database to measure on (never the project's own)."""

from pathlib import Path

PG_SERVER = "postgres@127.0.0.1:5432"


def fresh_database(kind: str, *, sqlite_path: Path | None = None, pg_name: str = "") -> str:
    """SQLite: `sqlite_path` and its WAL files removed; PostgreSQL: database `pg_name` dropped and re-created.
    Returns its DATABASE_URL (not migrated)."""
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{sqlite_path}"
    import psycopg

    with psycopg.connect(f"postgresql://{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{pg_name}"')
    return f"postgres://{PG_SERVER}/{pg_name}"
