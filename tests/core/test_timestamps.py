"""core/timestamps.py: on PostgreSQL dates and times are read by psycopg's compiled loader, and read exactly as
Django's own loader reads them (the same instant, the same `tzinfo`)."""

import datetime

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL loader")

OID = 1184  # timestamptz


def _loader(cursor):
    from psycopg.pq import Format

    return cursor.cursor.adapters.get_loader(OID, Format.TEXT)


@pytest.mark.django_db
def test_the_cursors_django_opens_load_with_the_compiled_loader():
    with connection.cursor() as cursor:
        loader = _loader(cursor)
        assert loader.__name__ == "CompiledTzLoader"
        assert loader.timezone == connection.timezone  # Django keeps it: no loader of its own on each cursor
        assert type(loader(OID, cursor.cursor).load.__self__).__module__.endswith("._psycopg")  # compiled code


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime.datetime(1, 1, 2),  # noqa: DTZ001  # hypothesis takes naive bounds
        max_value=datetime.datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.sampled_from([datetime.UTC, datetime.timezone(datetime.timedelta(hours=5, minutes=30))]),
    )
)
def test_a_date_and_time_reads_back_as_djangos_loader_reads_it(moment):
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [moment])
        (read,) = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor only
        cursor.execute("SELECT %s::timestamptz", [moment])
        (django_read,) = cursor.fetchone()
    assert read == django_read == moment
    assert read.tzinfo is django_read.tzinfo is connection.timezone
    assert read.isoformat() == django_read.isoformat()
