"""PostgreSQL: dates and times read by psycopg's compiled loader, not by Django's loader written in Python.

Django reads every `timestamp with time zone` through a subclass of psycopg's pure-Python loader (to set the
time zone it wants on the result), which parses each value in Python: a long list's dates were a noticeable part
of its page (docs/performance.md). Django keeps the connection's time zone equal to its own (it sets it on connect),
and psycopg's compiled loader gives its results in the connection's time zone: the same datetimes, with the same
`tzinfo` (`datetime.timezone.utc` for UTC). Django still finds the `timezone` it checks on the connection's
loader, so that it registers its own on a cursor only where the two disagree. SQLite: nothing to do.
"""

from functools import cache
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created

_OID = 1184  # timestamptz


@cache
def _loader_for(timezone: Any) -> type:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg import adapters
    from psycopg.pq import Format

    compiled: Any = adapters.get_loader(_OID, Format.TEXT)  # psycopg always has one

    class CompiledTzLoader(BaseTzLoader):
        """Django's loader (its `timezone`, read by Django), loading with psycopg's compiled one."""

        def __init__(self, oid: int, context: Any = None):
            super().__init__(oid, context)
            # An attribute, not a method: psycopg calls `load` for each value, here straight into compiled code.
            self.load = compiled(oid, context).load

    CompiledTzLoader.timezone = timezone
    return CompiledTzLoader


def use_compiled_loader(sender, connection, **kwargs) -> None:
    """On each new PostgreSQL connection, once Django has set the connection's time zone to its own: where psycopg's
    compiled implementation is installed and aware datetimes are wanted (USE_TZ)."""
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    from psycopg import pq

    if pq.__impl__ not in ("c", "binary"):
        return
    if connection.connection.info.parameter_status("TimeZone") != connection.timezone_name:
        return  # not the time zone Django replaces on each value: its own loader, which does
    loader = _loader_for(connection.timezone)
    # The very `tzinfo` Django sets (psycopg gives `datetime.timezone.utc` for a zone named "UTC", Django ZoneInfo's
    # when the database's TIME_ZONE says "UTC"): else Django's loader.
    if loader(_OID, connection.connection).load(b"2000-01-01 00:00:00+00").tzinfo is not connection.timezone:
        return
    connection.connection.adapters.register_loader("timestamptz", loader)


def connect() -> None:
    connection_created.connect(use_compiled_loader, dispatch_uid="core.timestamps")
