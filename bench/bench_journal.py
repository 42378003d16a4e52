"""Cost of the journal's hash chain: appends per second with and without it, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_journal.py [--appends 1000] [--threads 4] [--repeat 3] [--databases sqlite postgres]

For each database, in a child process: a fresh database (a temporary SQLite file; the PostgreSQL database
`bench_journal`, dropped and re-created), `migrate`, then `--appends` entries, each in its own transaction
as a real change would be:
- « sans chaîne »: the plain INSERT the journal did before the chain (sequence given, no lock, no hash);
- « avec chaîne »: `journal.services.record` (append lock, read of the head, SHA-256, INSERT);
then the same with `--threads` concurrent writers (best of `--repeat` alternated runs), and
`verify_journal`'s walk (entries/s).
Never touches the project's db.sqlite3. Not a test: figures depend on the machine.
"""

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402 (after the path)


def child(appends: int, threads: int, repeat: int) -> None:
    """Runs in the child process, DATABASE_URL already set."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)  # settings refuse to start without one (DEBUG=0)
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from journal.chain import append_only_trigger_disabled
    from journal.models import Action, ActorRole, Entry
    from journal.services import record
    from journal.verify import verify

    call_command("migrate", verbosity=0)
    counter = itertools.count(1_000_000_000)  # plain rows stay apart from the chain's sequence numbers
    counter_lock = threading.Lock()

    def plain(i):
        with counter_lock:
            sequence = next(counter)
        with transaction.atomic():
            Entry(
                action=Action.LOGIN,
                action_label="Connexion",
                actor_name=f"Personne {i}",
                actor_role=ActorRole.DOCTOR,
                card_type="CPS",
                login_method="demo",
                sequence=sequence,
                prev_hash="",
                hash="",
            ).save()

    def chained(i):
        with transaction.atomic():
            record(
                action=Action.LOGIN,
                actor_user=None,
                actor_name=f"Personne {i}",
                actor_role=ActorRole.DOCTOR,
                card_type="CPS",
                login_method="demo",
            )

    def rate(append, writers):
        per_writer = appends // writers

        def work():
            try:
                for i in range(per_writer):
                    append(i)
            finally:
                if writers > 1:
                    connection.close()

        started = time.perf_counter()
        if writers == 1:
            work()
        else:
            pool = [threading.Thread(target=work) for _ in range(writers)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
        return per_writer * writers / (time.perf_counter() - started)

    def drop_plain():
        # The plain rows would otherwise be read as the head of the chain.
        with transaction.atomic(), append_only_trigger_disabled(connection), connection.cursor() as cursor:
            cursor.execute("DELETE FROM journal_entry WHERE sequence >= 1000000000")

    for writers in (1, threads):
        without, with_chain = 0.0, 0.0
        for _ in range(repeat):  # alternated, best of `repeat`: less sensitive to a busy machine
            without = max(without, rate(plain, writers))
            drop_plain()
            with_chain = max(with_chain, rate(chained, writers))
        print(
            f"  {writers} écrivain(s) : sans chaîne {without:8.0f} ajouts/s, avec chaîne {with_chain:8.0f} ajouts/s "
            f"({with_chain / without:.0%})",
            flush=True,
        )
    chained_count = Entry.objects.count()
    started = time.perf_counter()
    report = verify()
    elapsed = time.perf_counter() - started
    assert report.ok and report.checked == chained_count, report
    print(f"  verify_journal : {report.checked} entrées en {elapsed:.2f} s ({report.checked / elapsed:.0f} entrées/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.appends, args.threads, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="bench_journal_") as workdir:
        for kind in args.databases:
            url = fresh_database(kind, sqlite_path=Path(workdir) / "bench_journal.sqlite3", pg_name="bench_journal")
            print(f"{kind} ({args.appends} ajouts, une transaction chacun)", flush=True)
            env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
            command = [
                sys.executable,
                __file__,
                "--child",
                "--appends",
                str(args.appends),
                "--repeat",
                str(args.repeat),
            ]
            subprocess.run([*command, "--threads", str(args.threads)], env=env, cwd=ROOT, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
