"""Benchmark of the directory import and search, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_directory.py [--lines 2300000] [--small 23000] [--searches 1000]
        [--databases sqlite postgres] [--workdir /tmp/bench_annuaire] [--pg-database bench_annuaire]

For each database: a fresh database (a temporary SQLite file in the workdir; the PostgreSQL database
`--pg-database`, dropped and re-created), `migrate`, then for each size (small, full) the real command
`manage.py import_annuaire` in a child process (wall time, lines/s, peak memory of that process), a second
import of the same file (the idempotent re-import), and `--searches` realistic searches through
`directory.selectors.search_professionals` as the `Annuaire` page does them (count of results + first page of
20 with places), printing p50/p95/p99.
Never touches the project's db.sqlite3.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402 (after the path)

PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "bench_annuaire")  # --pg-database
PYTHON = sys.executable


def run_child(args, env) -> tuple[float, str, str]:
    """Run a child process; returns (seconds, stdout, stderr)."""
    started = time.monotonic()
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    out, err = process.communicate()
    elapsed = time.monotonic() - started
    if process.returncode:
        raise SystemExit(f"{' '.join(map(str, args))} a échoué :\n{err}")
    return elapsed, out, err


def import_file(env, path: Path) -> dict:
    """The real command in a child process, wrapped to report its own peak memory."""
    code = (
        "import resource, sys, django; django.setup();"
        "from django.core.management import call_command;"
        f"call_command('import_annuaire', {str(path)!r}, no_progress=True);"
        # The parser is a forked child of the command: the peak is the larger of the two processes.
        "print('PEAK_KB', max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr)"
    )
    elapsed, out, err = run_child([PYTHON, "-c", code], env)
    peak_kb = int(next(line.split()[1] for line in err.splitlines() if line.startswith("PEAK_KB")))
    load = os.getloadavg()[1]  # the machine may be shared: say how busy it was
    return {"seconds": elapsed, "peak_mb": peak_kb / 1024, "summary": out.strip().splitlines(), "load": load}


def workload(count: int, seed: int = 7) -> list[dict]:
    """Realistic searches: surname prefixes (frequent names weigh more), often with a town, postal code,
    département or first name; a few place-only searches."""
    from bench.generate_extract import Generator

    generator = Generator(seed=1)
    rnd = random.Random(seed)  # noqa: S311
    towns = generator.towns
    searches = []
    for _ in range(count):
        surname = rnd.choices(generator.surnames, cum_weights=generator.surname_cum)[0]
        town, cp, insee, _w = rnd.choices(towns, cum_weights=generator.town_cum)[0]
        kind = rnd.random()
        name = surname[: rnd.randint(3, max(3, len(surname)))]
        if kind < 0.45:
            searches.append({"name": name})
        elif kind < 0.65:
            searches.append({"name": surname, "place": town.replace("-", " ").lower()})
        elif kind < 0.75:
            searches.append({"name": name, "place": cp})
        elif kind < 0.85:
            searches.append({"name": name, "place": cp[:2]})
        elif kind < 0.95:
            searches.append({"name": surname, "first_name": rnd.choice(generator.first_names)[:3]})
        else:
            searches.append({"place": town})
    return searches


def search_child(count: int) -> None:
    """Runs in a child process with DATABASE_URL set: prints the latencies (ms) as JSON."""
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection

    from directory.selectors import search_professionals

    def one(params):
        page = Paginator(search_professionals(**params), 20).get_page(1)
        total = page.paginator.count
        for professional in page:
            list(professional.places.all())
        return total

    searches = workload(count)
    for params in searches[:50]:  # warm-up: caches, connection
        one(params)
    latencies, hits = [], []
    for params in searches:
        started = time.perf_counter()
        hits.append(one(params))
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    print(json.dumps({"latencies": latencies, "hits": hits}))


def percentiles(values):
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": max(values)}


def bench(kind: str, sizes: list[int], searches: int, workdir: Path) -> dict:
    from bench.generate_extract import generate

    results = {}
    for lines in sizes:
        extract = workdir / f"PS_LibreAcces_Personne_activite_{lines}.txt"
        if not extract.exists():
            print(f"  génération de {extract.name}…", flush=True)
            generate(extract, lines)
        url = fresh_database(
            kind, sqlite_path=workdir / "bench.sqlite3", pg_name=os.environ.get("BENCH_PG_DATABASE", PG_DATABASE)
        )
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0"}
        run_child([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
        first = import_file(env, extract)
        print(f"  [{kind} {lines}] import : {first['seconds']:.1f} s, {lines / first['seconds']:,.0f} lignes/s, "
              f"mémoire max {first['peak_mb']:.0f} Mo (charge machine {first['load']:.1f})", flush=True)  # fmt: skip
        again = import_file(env, extract)
        print(f"  [{kind} {lines}] ré-import identique : {again['seconds']:.1f} s, "
              f"mémoire max {again['peak_mb']:.0f} Mo — {'; '.join(again['summary'][2:7])}", flush=True)  # fmt: skip
        _, out, _ = run_child([PYTHON, __file__, "_search", "--searches", str(searches)], env)
        data = json.loads(out)
        stats = percentiles(data["latencies"])
        print(f"  [{kind} {lines}] {searches} recherches : p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms, "
              f"p99 {stats['p99']:.1f} ms, max {stats['max']:.1f} ms (résultats médians : "
              f"{statistics.median(data['hits']):.0f})", flush=True)  # fmt: skip
        results[lines] = {"import": first, "reimport": again, "search": stats}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="bench", choices=["bench", "_search"])
    parser.add_argument("--lines", type=int, default=2_300_000)
    parser.add_argument("--small", type=int, default=23_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_annuaire"))  # noqa: S108
    parser.add_argument("--pg-database", default=PG_DATABASE, help="base PostgreSQL du banc (supprimée et recréée)")
    args = parser.parse_args()
    os.environ["BENCH_PG_DATABASE"] = args.pg_database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)  # settings refuse to start without one (DEBUG=0)
    if args.command == "_search":
        search_child(args.searches)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"Machine : {os.cpu_count()} cœurs ; Python {sys.version.split()[0]}", flush=True)
    summary = {}
    for kind in args.databases:
        print(f"== {kind}", flush=True)
        summary[kind] = bench(kind, [args.small, args.lines], args.searches, args.workdir)
    print("\n== Résumé")
    for kind, by_size in summary.items():
        small, full = by_size[args.small], by_size[args.lines]
        ratio = full["search"]["p95"] / small["search"]["p95"]
        print(f"{kind}: import {args.lines} lignes {full['import']['seconds']:.1f} s "
              f"({args.lines / full['import']['seconds']:,.0f} lignes/s), "
              f"mémoire max {full['import']['peak_mb']:.0f} Mo, "
              f"ré-import {full['reimport']['seconds']:.1f} s ; recherche p95 {small['search']['p95']:.1f} ms à "
              f"{args.small} lignes, {full['search']['p95']:.1f} ms à {args.lines} (x{ratio:.2f}), "
              f"p99 {full['search']['p99']:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
