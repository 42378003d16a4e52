"""Users keep writing while the directory is imported (SQLite: one writer at a time), and the import stays all or
nothing. Run in a child process on a database file (SQLite's test database is in memory, private to this one)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench.generate_extract import generate
from directory import importer
from directory.importer import import_extract
from directory.models import Professional

from .helpers import person, write_extract

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

IMPORT_WITH_WRITERS = """
import json, sys, threading, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection, transaction
from directory import importer
from directory.models import PracticePlace, Professional
from journal.models import Action, ActorRole
from journal.services import record

first, second = sys.argv[1:3]
failures, writes, probes = [], [0], [0]


users = threading.Lock()  # the probes and the other user take turns: only the import may hold them up


# A user's write waits 5 s here, not the settings' 15 s: the import must keep its writes well under what users
# waited before that margin was given.
USER_BUSY_TIMEOUT_MS = 5000


def request_write(busy_timeout_ms=None):
    # What a request does: a short write transaction (its session saved and an entry appended to the journal).
    with users:
        _request_write(busy_timeout_ms)


def _request_write(busy_timeout_ms):
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms or USER_BUSY_TIMEOUT_MS}")
        with transaction.atomic():
            SessionStore().create()
            record(action=Action.LOGIN_FAILED, actor_user=None, actor_name="Essai", actor_role=ActorRole.DOCTOR)
        writes[0] += 1
    except OperationalError as error:
        failures.append(f"{'probe' if busy_timeout_ms else 'user'}: {error}")
    finally:
        connection.close()


class Blocked(Exception):
    pass


def probe(*args):
    # While the file is read and grouped, a user's write must not even wait (100 ms at most).
    probes[0] += 1
    thread = threading.Thread(target=request_write, args=(100,))
    thread.start()
    thread.join()
    if failures:
        raise Blocked  # no need to go on


original_group = importer._group


def group_then_probe(cursor, stats):
    original_group(cursor, stats)
    if not connection.in_atomic_block:
        probe()


importer._group = group_then_probe
importer.BLOCK_BYTES = 1 << 15  # a probe after each of many blocks
done = threading.Event()


def user():
    # Throughout the import, the final writes included: users' writes wait (busy timeout) and never fail.
    while not done.wait(0.03):
        request_write()


background = threading.Thread(target=user)
background.start()
try:
    importer.import_extract(first, progress=probe)
    importer.import_extract(second, progress=probe)
except Blocked:
    pass
finally:
    done.set()
    background.join()
    importer._group = original_group


def directory():
    return (list(Professional.objects.values_list("national_id", "last_name", "is_active", "updated_at")),
            list(PracticePlace.objects.values_list("id", "professional_id", "commune")))


# All or nothing, outside any test transaction: interrupted while reading, then just before the commit.
before = directory()
interrupted = []
for target in ("_load", "_write"):
    original = getattr(importer, target)

    def fail_after(*args, original=original):
        original(*args)
        raise KeyboardInterrupt

    setattr(importer, target, fail_after)
    try:
        importer.import_extract(first)
    except KeyboardInterrupt:
        interrupted.append(directory() == before)
    setattr(importer, target, original)
print(json.dumps({"failures": failures, "writes": writes[0], "probes": probes[0], "interrupted": interrupted,
                  "professionals": len(before[0])}))
"""


def _database_url(tmp_path: Path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":  # the test database, committed to (transaction=True)
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        return f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    # A copy of the migrated test database, in a file.
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def test_users_write_during_an_import_which_stays_all_or_nothing(tmp_path):
    first = generate(tmp_path / "PS_LibreAcces_Personne_activite_1.txt", 2000, 56, "utf-8", seed=3)
    second = generate(tmp_path / "PS_LibreAcces_Personne_activite_2.txt", 2000, 56, "utf-8", seed=4)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": _database_url(tmp_path)}
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", IMPORT_WITH_WRITERS, str(first), str(second)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["failures"] == []  # never « database is locked »
    assert outcome["probes"] > 10 and outcome["writes"] > outcome["probes"]
    assert outcome["interrupted"] == [True, True]
    assert outcome["professionals"] > 1000


def test_a_change_to_the_directory_during_the_grouping_is_taken_into_account(tmp_path, monkeypatch):
    """The statuses (new, changed, same) are computed before the write lock; if the directory changed meanwhile
    (another import, an edit), they are computed again under it: a person added meanwhile is updated, and keeps
    only the file's places."""
    original, calls = importer._group, []

    def group_then_someone_adds_martin(cursor, stats):
        original(cursor, stats)
        calls.append(stats["created"])
        if len(calls) == 1:
            martin = Professional.objects.create(national_id="899700001011", id_type="8", identifier="99700001011",
                                                 last_name="MARTIN", profession_code="10")  # fmt: skip
            martin.places.create(commune="Bron")
            if connection.vendor == "postgresql":  # as if committed by another connection: checked now
                with connection.cursor() as own:
                    own.execute("SET CONSTRAINTS ALL IMMEDIATE")

    monkeypatch.setattr(importer, "_group", group_then_someone_adds_martin)
    stats = import_extract(write_extract(tmp_path / "x.txt", [person(commune="Lyon")]))
    assert calls == [1, 0]  # grouped again, under the lock
    assert (stats["created"], stats["updated"]) == (0, 1)
    martin = Professional.objects.get()
    assert [place.commune for place in martin.places.all()] == ["Lyon"]


LARGE_IMPORTS_WITH_A_USER = """
import json, sys, threading, time, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection, transaction
from directory import importer
from directory.models import PracticePlace, Professional
from journal.models import Action, ActorRole
from journal.services import record

failures, waits, done = [], [], threading.Event()


def user():
    # A request's write (session and journal entry) every 30 ms, with the settings' busy timeout (5 s).
    while not done.wait(0.03):
        started = time.monotonic()
        try:
            with transaction.atomic():
                SessionStore().create()
                record(action=Action.LOGIN_FAILED, actor_user=None, actor_name="Essai", actor_role=ActorRole.DOCTOR)
        except OperationalError as error:
            failures.append(str(error))
        waits.append(time.monotonic() - started)
    connection.close()


background = threading.Thread(target=user)
background.start()
stats = []
try:
    for path in sys.argv[1:]:
        stats.append({k: v for k, v in importer.import_extract(path).items() if k != "deactivated_ids"})
finally:
    done.set()
    background.join()
print(json.dumps({"failures": failures[:5], "writes": len(waits), "longest": max(waits), "stats": stats,
                  "active": Professional.objects.filter(is_active=True).count(),
                  "inactive": Professional.objects.filter(is_active=False).count(),
                  "places": PracticePlace.objects.count(),
                  "active_places": PracticePlace.objects.filter(is_active=True).count()}))
"""


@pytest.mark.slow
def test_no_user_write_fails_during_a_first_import_nor_a_mass_change(tmp_path):
    """The imports whose writes are long: a first import into an empty directory, then a file where almost
    everything changed (another seed: most people keep their identifier, all their details change). On SQLite
    their writes used to be one transaction holding the write lock longer than the users' busy timeout."""
    lines = 100_000
    first = generate(tmp_path / "PS_LibreAcces_Personne_activite_1.txt", lines, 56, "utf-8", seed=1)
    second = generate(tmp_path / "PS_LibreAcces_Personne_activite_2.txt", lines, 56, "utf-8", seed=2)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": _database_url(tmp_path)}
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", LARGE_IMPORTS_WITH_A_USER, str(first), str(second)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["failures"] == []  # never « database is locked »
    assert outcome["writes"] > 100
    created, changed = outcome["stats"]
    assert created["created"] > 60_000 and created["lines"] == lines
    assert changed["updated"] > 50_000 and changed["created"] > 10_000 and changed["deactivated"] > 10_000
    # The directory is the second file's, whole: its people active with all its lines, the others kept, inactive.
    assert outcome["active"] == changed["created"] + changed["updated"] + changed["unchanged"]
    assert outcome["inactive"] == changed["deactivated"]
    assert outcome["active_places"] == lines - changed["rejected_count"]
