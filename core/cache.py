"""The cache shared by every instance: Django's database cache, with an atomic increment.

The application runs as several stateless instances on one PostgreSQL database; a per-process cache
(locmem) would give each instance its own counters, so an attacker spreading requests over instances
would get N times the allowed attempts. Counters of the rate limits therefore live in the database,
in the table `django_cache` (created by the migration core/0001, as `createcachetable` would).

Django's DatabaseCache increments by "get then set", which loses increments under concurrency. Here the
new value is written only if the row still holds the value read (compare and swap: `UPDATE … WHERE value =
<the value read>`); a writer that finds it changed reads again. Two simultaneous attempts always count as two, in
two statements and no transaction, where locking the row took four round trips (BEGIN, SELECT … FOR UPDATE,
UPDATE, COMMIT; docs/performance.md). Should the row change under it too many times in a row, the increment locks
the row instead (SELECT … FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises
writers).

Django's `add` also inserts when the key is there and live, and lets the unique key refuse the row: every
counted attempt after the first wrote a duplicate-key error in PostgreSQL's log. Here a live key is looked up
first (two first attempts racing still end in one row, the unique key refusing the second, as before).
django-ratelimit counts an attempt with `add`, then `incr` when the key is there: the value `add` read is the one
the next `incr` of that key swaps first, so that a counted attempt is two statements, not three. A value changed in
between is no error: the swap finds it changed and reads again, as with any other writer.
"""

import base64

# Values are written by this cache only, as Django's DatabaseCache does (it pickles too).
import pickle  # nosec B403

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils import timezone


class AtomicDatabaseCache(DatabaseCache):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (key, value) as the last `add` found it live: the first value the next `incr` of that key swaps. Each
        # thread has its own cache instance (django.core.cache.caches), so its own.
        self._seen: tuple[str, str] | None = None

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        made = self.make_and_validate_key(key, version=version)
        connection, read, _ = self._statements()
        with connection.cursor() as cursor:
            try:
                self._seen = (made, self._read_live(cursor, read, made, connection))
            except ValueError:  # missing or expired: Django's add writes it
                self._seen = None
                return super().add(key, value, timeout, version)
        return False

    def _statements(self):
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by DatabaseCache.__init__
        key_column = connection.ops.quote_name("cache_key")
        # The table name comes from settings.CACHES, quoted; the key and the values are bound parameters.
        read = f"SELECT value, expires FROM {table} WHERE {key_column} = %s"  # noqa: S608  # nosec B608
        swap = f"UPDATE {table} SET value = %s WHERE {key_column} = %s AND value = %s"  # noqa: S608  # nosec B608
        return connection, read, swap

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection, read, swap = self._statements()
        seen, self._seen = self._seen, None
        for _ in range(self.SWAP_TRIES):
            with connection.cursor() as cursor:
                if seen is not None and seen[0] == key:
                    stored, seen = seen[1], None
                else:
                    stored = self._read_live(cursor, read, key, connection)
                new_value, encoded = self._added(stored, delta)
                # Still the value read: adding delta to it is right, whatever was written in between.
                cursor.execute(swap, [encoded, key, stored])
                if cursor.rowcount == 1:
                    return new_value
        return self._incr_locked(key, delta, connection, read)

    # Tries of the compare and swap before locking the row: each failed try means another writer succeeded.
    SWAP_TRIES = 20

    def _incr_locked(self, key, delta, connection, read):
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by DatabaseCache.__init__
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            new_value, encoded = self._added(self._read_live(cursor, read + lock, key, connection), delta)
            cursor.execute(
                f"UPDATE {table} SET value = %s WHERE {connection.ops.quote_name('cache_key')} = %s",  # noqa: S608  # nosec B608
                [encoded, key],
            )
        return new_value

    def _read_live(self, cursor, read, key, connection) -> str:
        """The value the key's row holds; ValueError for a key missing or expired, as Django's incr."""
        cursor.execute(read, [key])
        row = cursor.fetchone()
        if row is None or self._expired(row[1], connection):
            raise ValueError(f"Key '{key}' not found")
        stored: str = row[0]
        return stored

    def _added(self, stored: str, delta):
        """The value a row holds plus delta, and as the row will hold it."""
        # Our own rows (see the import above).
        new_value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301  # nosec B301
        return new_value, base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")

    @staticmethod
    def _expired(expires, connection) -> bool:
        # As DatabaseCache.get_many reads the column on every backend.
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < timezone.now()
