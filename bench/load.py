# ruff: noqa: E501, S603, S607, UP031 -- a benchmark script: long report lines, wrk and gunicorn as subprocesses
"""Load benchmark: gunicorn (2 worker processes, its default sync workers as in production behind a reverse
proxy, production settings) driven by wrk, as doctors and as delegates.

    .venv/bin/python bench/load.py [--large bench_national] [--small bench_small] [--seconds 3] [--rounds 3]
        [--users 20] [--threads N] [--quick PAGE…]

Both databases (seeded by bench/seed_national.py) are served at once, each by its gunicorn on 127.0.0.1 (DEBUG=0,
DEMO=1 for the demo card reader, SECRET_KEY set, ALLOWED_HOSTS=127.0.0.1, after collectstatic), the bench users
logged in beforehand through the demo card reader (the delegates then « Agir au nom de » their doctor). Then
`--rounds` rounds: in each, every page is fired at for `--seconds` seconds on the large then the small database
(Debian's wrk, 2 threads, `--users` connections, each request as one of the users drawn at random with his session
and CSRF cookies), so that the machine's drift falls alike on what the ratios compare; then, as long, the page and
the chrome page mixed request by request, each request's CPU measured by the workers (bench/gunicorn_cpu.py). A
redirect (e.g. to the login page) or any status >= 400 counts as an error. Then the cost of appending one journal
entry (journal.services.record, own transaction) on each database.
Prints per page: requests (summed) and requests/s, p50 (median of the rounds), p95 and p99 (worst round), errors,
CPU per request of gunicorn and of PostgreSQL; the ratios delegate/doctor and large/small (p50 and CPU); and the
CPU per request as a multiple of the chrome page: measured in the mixed shots (the target), their extremes shot by
shot, and, as before, against the chrome page's own row.
Only 127.0.0.1 traffic, bounded durations. Not a test: the figures depend on the machine.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PIN = "1234"
# gunicorn's sync workers (its default): each takes the next request from the shared socket when it is free, so the
# load spreads evenly. --threads N (gthread workers of N threads) is kept to compare: gthread ties each keep-alive
# connection to one worker (20 connections may split 14/6 between the two), and the threads of a process take turns
# on the GIL (4 threads: about 2 ms more CPU per dossier page). Measured on the dossier page, alternating: sync p99
# 150-170 ms, gthread with 1 thread 200-280 ms, with less spread of requests/s from one run to the next.
THREADS = 0
# The two reference pages (issue « the cost of a page is its content »): the floor is the cheapest authenticated
# answer through the whole middleware stack (a few bytes of JSON); the chrome is the base template around static
# text (DSFR header, menu, footer). Every page's CPU per request is printed as a multiple of the chrome's.
FLOOR = ("Plancher (session)", "médecin")
CHROME = ("Habillage (mentions légales)", "médecin")
CHROME_PATH = "/mentions-legales/"
# After each shot of a page, a shot of that page and the chrome page mixed, request by request, whose every request's
# CPU is measured by the workers (bench/gunicorn_cpu.py): the page's mean over the chrome's is the multiple of the
# chrome page. The machine's speed drifts by tens of per cent within a minute, even from one two-second shot to the
# next (the chrome page alone cost 5.1 then 3.9 ms of CPU per request in two runs a quarter of an hour apart, then
# 2.9 to 5.0 ms in one minute): set against a chrome page measured at another moment, a page owed its ratio to the
# drift as much as to its code (docs/performance.md).
HOOKS = ROOT / "bench" / "gunicorn_cpu.py"
PAGES = [  # (name, role, url template)
    (*FLOOR, "/connexion/session/"),
    (*CHROME, CHROME_PATH),
    ("Mes dossiers", "médecin", "/dossiers/"),
    ("Mes dossiers", "délégué", "/dossiers/"),
    ("Dossier", "médecin", "/dossiers/{hot}/"),
    ("Dossier", "délégué", "/dossiers/{hot}/"),
    ("Historique", "médecin", "/dossiers/{hot}/historique/"),
    ("Historique", "délégué", "/dossiers/{hot}/historique/"),
    ("MES DELEGATIONS", "médecin", "/delegations/"),
    # Every entry done in his name (national: tens of thousands per bench doctor), consultations hidden, newest first.
    ("Actions faites en mon nom", "médecin", "/actions-en-mon-nom/"),
    ("Actions faites en mon nom (filtrées)", "médecin", "/actions-en-mon-nom/?filtrer=1&action=consultation&page=3"),
    ("Délégations reçues", "délégué", "/delegations/recues/"),
    ("Annuaire", "médecin", "/annuaire/?name={name}&place={place}"),
    ("Annuaire (pages pleines)", "médecin", "/annuaire/?name={prefix}"),
]
SEARCHES = [("mar", "75"), ("ber", ""), ("dub", "69"), ("lef", ""), ("ro", "13"), ("gir", ""), ("pet", "33")]
# Name + place above, as doctors search: at national scale they show full pages (20 doctors and their places), in
# the small directory (1,000 médecins) a few lines, so their large/small ratio compares pages of different sizes.
# These two-letter prefixes show a full first page on both data sets (30 to 50 médecins each in the small one):
# the same page, on 1,000 or 100,000 médecins.
FULL_PAGE_PREFIXES = ["ma", "ch", "le", "ro", "be", "la", "ni"]

WRK_SCRIPT = r"""
local targets = {%s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) done_count = 0; bad = 0; math.randomseed(os.time() + #targets * 7 + (tonumber(tostring({}):sub(8), 16) or 0)) end
function request()
  local t = targets[math.random(#targets)]
  return wrk.format("GET", t[1], {["Cookie"] = t[2], ["Host"] = "127.0.0.1"})
end
function response(status, headers, body)
  done_count = done_count + 1
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + (t:get("bad") or 0) end
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%.3f, "p50": %%.2f, "p95": %%.2f, "p99": %%.2f, "errors": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, bad_total + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout))
end
"""


def server_env(database: str, port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DEBUG": "0",
        "DEMO": "1",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        # As in production: each worker keeps its connection, whose backend's CPU is the request's (gunicorn_cpu.py).
        "CONN_MAX_AGE": "300",
        # The bench users log in from one address and search far more than a person would.
        "RATELIMIT_PIN_PER_IP": "100000/m",
        "RATELIMIT_PIN_PER_CARD": "100000/m",
        "RATELIMIT_SEARCH_PER_USER": "1000000/m",
    }


def bench_people(database: str) -> list[dict]:
    """The bench pairs: doctor's card, delegate's card, the delegation, the doctor's hot dossier."""
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as conn:
        rows = conn.execute(
            """SELECT dc.id, ac.id, d.id, (SELECT number FROM dossiers_dossier x WHERE x.medecin_traitant_id = d.doctor_id
                                             ORDER BY x.id LIMIT 1)
               FROM delegations_delegation d
               JOIN accounts_user du ON du.professional_id = d.doctor_id JOIN accounts_card dc ON dc.holder_id = du.id
               JOIN accounts_card ac ON ac.holder_id = d.delegate_id
               WHERE d.created_by_id <= 20 AND d.state = 'acceptee' AND d.id <= 20 ORDER BY d.id"""
        ).fetchall()
    return [{"doctor_card": r[0], "delegate_card": r[1], "delegation": r[2], "hot": r[3]} for r in rows]


class Session:
    def __init__(self, port):
        self.port = port
        # 32 characters: an unmasked CSRF secret, sent as cookie and field (Django rotates it at login).
        self.cookies = {"csrftoken": secrets.token_hex(16)}

    def request(self, method, path, fields=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        if fields is not None:
            from urllib.parse import urlencode

            body = urlencode({**fields, "csrfmiddlewaretoken": self.cookies["csrftoken"]})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status

    @property
    def cookie(self):
        # As a browser sends them: without the CSRF cookie, every page would make and set a new one.
        return f"sessionid={self.cookies['sessionid']}; csrftoken={self.cookies['csrftoken']}"


def login(port, card_id, acting_for_delegation=None) -> str:
    session = Session(port)
    status = session.request("POST", "/connexion/demo/", {"card": card_id, "pin": PIN, "next": "/dossiers/"})
    assert status == 302 and "sessionid" in session.cookies, f"connexion de la carte {card_id} : {status}"
    if acting_for_delegation:
        status = session.request("POST", f"/delegations/agir/{acting_for_delegation}/", {})
        assert status == 302, f"Agir au nom de ({acting_for_delegation}) : {status}"
    assert session.request("GET", "/dossiers/") == 200
    return session.cookie


def wait_for(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            # "/" only redirects; the demo login page would list every card (120,000 options).
            conn.request("GET", "/", headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn ne répond pas")


def cpu_seconds(server_pgid: int) -> tuple[float, float]:
    """CPU time (user + system, s) used so far by the gunicorn processes and by PostgreSQL's: divided by the requests,
    the cost of a request whatever else the machine is doing (the latencies depend on that). A process's time
    includes its ended children's (cutime, cstime): a PostgreSQL backend that ends during a shot (its connection
    reaches CONN_MAX_AGE) hands its time to the postmaster instead of taking it out of the sum."""
    tick = os.sysconf("SC_CLK_TCK")
    app = db = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process has ended
            continue
        head, _, tail = text.rpartition(")")  # "pid (comm) state ppid pgrp …": comm may hold spaces
        comm, fields = head.partition("(")[2], tail.split()
        used = sum(int(f) for f in fields[11:15]) / tick  # utime, stime, cutime, cstime
        if int(fields[2]) == server_pgid:  # pgrp
            app += used
        elif comm == "postgres":
            db += used
    return app, db


def run_wrk(port, targets, seconds, users, workdir, server_pgid=None) -> dict:
    lua = ", ".join("{%s, %s}" % (json.dumps(path), json.dumps(cookie)) for path, cookie in targets)
    script = Path(workdir) / "bench.lua"
    threads = 2
    script.write_text(WRK_SCRIPT % lua)
    before = cpu_seconds(server_pgid) if server_pgid else None
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(users), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"RESULT (\{.*\})", out.stdout)
    assert match, out.stdout + out.stderr
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / result["seconds"]
    if before is not None:
        after = cpu_seconds(server_pgid)
        result["cpu_app"], result["cpu_db"] = (
            (a - b) * 1000 / result["requests"] for a, b in zip(after, before, strict=True)
        )
    return result


def append_cost(database: str, appends: int = 300) -> dict:
    """Median and p95 (ms) of journal.services.record, each in its own transaction, on this database."""
    code = f"""
import time, statistics, django, json
django.setup()
from django.db import transaction
from accounts.models import User
from journal.models import Action
from journal.services import record
from dossiers.models import Dossier
user = User.objects.filter(professional__isnull=False).order_by("id").first()
dossier = Dossier.objects.filter(medecin_traitant=user.professional).order_by("id").first()
times = []
for i in range({appends}):
    t = time.perf_counter()
    with transaction.atomic():
        record(action=Action.DOSSIER_VIEWED, actor_user=user, actor_name=user.display_name, actor_role="medecin",
               card_type="CPS", login_method="demo", dossier=dossier)
    times.append((time.perf_counter() - t) * 1000)
times = times[20:]
times.sort()
print("APPEND", json.dumps({{"p50": statistics.median(times), "p95": times[int(len(times) * 0.95)]}}))
"""
    env = {**server_env(database, 0), "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(re.search(r"APPEND (\{.*\})", out.stdout).group(1))


@contextlib.contextmanager
def served(database, users, port, workdir):
    """gunicorn on `database`, its bench users logged in: yields (server pid, doctors, delegates)."""
    env = server_env(database, port)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--workers", "2",
         *(["--worker-class", "gthread", "--threads", str(THREADS)] if THREADS else []),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--config", str(HOOKS)],
        cwd=ROOT, env={**env, "BENCH_CPU_LOG": str(Path(workdir) / f"cpu-{port}"), "BENCH_CHROME_PATH": CHROME_PATH},
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(port)
        people = bench_people(database)[:users]
        t = time.monotonic()
        doctors = [(p, login(port, p["doctor_card"])) for p in people]
        delegates = [(p, login(port, p["delegate_card"], p["delegation"])) for p in people]
        print(f"  {database} : {len(doctors)} médecins et {len(delegates)} délégués connectés "
              f"({time.monotonic() - t:.1f} s)", flush=True)  # fmt: skip
        # Warm-up: every worker opens its connection, loads templates. Then the CPU per request must be readable.
        read_cpu_log(port, workdir)  # the logins
        run_wrk(port, [("/dossiers/", c) for _, c in doctors], 3, users, workdir)
        measured = read_cpu_log(port, workdir)
        if measured["page"][0] < measured["left out"]:
            raise RuntimeError(
                f"CPU par requête illisible (bench/gunicorn_cpu.py) : {measured['page'][0]} requêtes mesurées, "
                f"{measured['left out']} laissées ; PostgreSQL doit tourner sur cette machine, hors conteneur"
            )
        yield server.pid, doctors, delegates
    finally:
        # The arbiter stops its workers (signalling the whole group made it log each worker's SIGTERM as an error);
        # the group only if it does not.
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def page_targets(people, template):
    targets = []
    for k, (person, cookie) in enumerate(people):
        search = SEARCHES[k % len(SEARCHES)]
        prefix = FULL_PAGE_PREFIXES[k % len(FULL_PAGE_PREFIXES)]
        url = template.format(hot=person["hot"], name=search[0], place=search[1], prefix=prefix)
        targets.append((url, cookie))
    return targets


def combine(runs: list[dict]) -> dict:
    """Rounds of one page on one database: requests and CPU summed, p50 the median of the rounds', p95 and p99 the
    worst round's (wrk gives percentiles per run, which cannot be merged exactly)."""
    requests = sum(r["requests"] for r in runs)
    return {
        "requests": requests,
        "rps": requests / sum(r["seconds"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p95": max(r["p95"] for r in runs),
        "p99": max(r["p99"] for r in runs),
        "errors": sum(r["errors"] + r.get("mixed_wrk", {}).get("errors", 0) for r in runs),
        "cpu_app": sum(r["cpu_app"] * r["requests"] for r in runs) / requests,
        "cpu_db": sum(r["cpu_db"] * r["requests"] for r in runs) / requests,
        "p50_rounds": [r["p50"] for r in runs],
        # The mixed shots (bench): the page's mean CPU per request over the chrome page's, all shots pooled, then
        # shot by shot.
        "mixed": _mixed_ratio([r["mixed"] for r in runs]) if all("mixed" in r for r in runs) else None,
        "mixed_shots": sorted(_mixed_ratio([r["mixed"]]) for r in runs if "mixed" in r),
    }


def read_cpu_log(port: int, workdir) -> dict:
    """What the workers of the server on `port` wrote since the last call (bench/gunicorn_cpu.py), then forgotten:
    {"page" | "chrome": [requests, CPU ns], "left out": requests}. Left out: an answer other than 200 (wrk counts it
    as an error), a request whose backend CPU is unknown."""
    sums = {"page": [0, 0], "chrome": [0, 0], "left out": 0}
    for log in Path(workdir).glob(f"cpu-{port}.*"):
        for line in log.read_text().splitlines():
            kind, status, app, db = line.split()
            if status == "200" and db != "-":
                sums[kind][0] += 1
                sums[kind][1] += int(app) + int(db)
            else:
                sums["left out"] += 1
        log.unlink()
    return sums


def _mixed_ratio(shots: list[dict]) -> float:
    """Mean CPU per request of the page over the chrome page's, in mixed shots."""
    page, chrome = ([sum(s[kind][i] for s in shots) for i in (0, 1)] for kind in ("page", "chrome"))
    return (page[1] / page[0]) / (chrome[1] / chrome[0])


def bench(databases: dict, seconds, rounds, users, port, workdir, pages=PAGES) -> dict:
    """Every database served at once; `rounds` rounds of every page, each page on each database in turn, so that
    the machine's drift (its speed varies by the minute) falls alike on the large and the small data set and on
    the doctor and the delegate."""
    runs = {(label, name, role): [] for label in databases for name, role, _ in pages}
    with contextlib.ExitStack() as stack:
        servers = {
            label: (port + k, *stack.enter_context(served(database, users, port + k, workdir)))
            for k, (label, database) in enumerate(databases.items())
        }
        for round_no in range(1, rounds + 1):
            print(f"  tour {round_no}/{rounds}", flush=True)
            for name, role, template in pages:
                for label, (server_port, pid, doctors, delegates) in servers.items():
                    targets = page_targets(doctors if role == "médecin" else delegates, template)
                    result = run_wrk(server_port, targets, seconds, users, workdir, pid)
                    if (name, role) != CHROME:
                        read_cpu_log(server_port, workdir)  # the page's shot alone: not this measure
                        mixed = targets + page_targets(doctors, CHROME_PATH)
                        result["mixed_wrk"] = run_wrk(server_port, mixed, seconds, users, workdir)
                        result["mixed"] = read_cpu_log(server_port, workdir)
                    runs[(label, name, role)].append(result)
    results = {}
    for label in databases:
        print(f"\n== Jeu de données {label} ({databases[label]}), {users} utilisateurs simultanés, {rounds} tours "
              f"de {seconds} s par page, puis autant mêlée à l'habillage")  # fmt: skip
        for name, role, _ in pages:
            result = results[(label, name, role)] = combine(runs[(label, name, role)])
            print(
                f"  {name:<24} {role:<8} {result['requests']:6d} requêtes {result['rps']:7.0f} req/s  p50 {result['p50']:6.1f}  "
                f"p95 {result['p95']:6.1f}  p99 {result['p99']:6.1f} ms  erreurs {result['errors']}  "
                f"CPU/requête : application {result['cpu_app']:.1f} ms, PostgreSQL {result['cpu_db']:.1f} ms"
                + (f" ; × habillage {result['mixed']:.2f} (tirs mêlés)" if result["mixed"] is not None else ""),
                flush=True,
            )
    # The journal appends too, database after database, round after round (medians of the rounds).
    appends = {label: [] for label in databases}
    for _ in range(rounds):
        for label, database in databases.items():
            appends[label].append(append_cost(database))
    for label, database in databases.items():
        median = {key: statistics.median(r[key] for r in appends[label]) for key in ("p50", "p95")}
        results[(label, "append")] = median
        print(f"  {database} : ajout d'une entrée au journal : p50 {median['p50']:.2f} ms, p95 {median['p95']:.2f} ms "
              f"(médianes de {rounds} tours)")  # fmt: skip
    return results


def main():
    global THREADS  # --threads, read by served()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", default="bench_national")
    parser.add_argument("--small", default="bench_small")
    parser.add_argument(
        "--seconds",
        type=int,
        default=3,
        help="durée d'un tir (une page, une base, un tour ; autant mêlée à l'habillage)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="tours : chaque page tirée une fois par base et par tour")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="processus gthread de N fils au lieu des processus sync"
    )
    parser.add_argument(
        "--quick", nargs="+", metavar="PAGE", help="essai rapide : ces pages, grand jeu seul, sans bilan"
    )
    args = parser.parse_args()
    THREADS = args.threads
    with tempfile.TemporaryDirectory() as workdir:
        if args.quick:
            pages = [p for p in PAGES if p[0] in args.quick]
            bench({"grand": args.large}, args.seconds, args.rounds, args.users, args.port, workdir, pages)
            return 0
        data = bench({"grand": args.large, "petit": args.small}, args.seconds, args.rounds, args.users, args.port,
                     workdir)  # fmt: skip
    # (label, name, role) -> (name, role); (label, "append") -> "append"
    large, small = ({k[1:] if len(k) == 3 else k[1]: v for k, v in data.items() if k[0] == label}
                    for label in ("grand", "petit"))  # fmt: skip
    print("\n== Résumé (grand jeu ; rapport grand/petit sur la p50, puis CPU par requête application + PostgreSQL ; "
          "ce CPU en multiple de l'habillage : mesuré requête par requête dans les tirs où la page et l'habillage sont "
          "mêlés (la cible), les extrêmes de ces tirs, puis rapporté à la ligne d'habillage du tableau)")  # fmt: skip
    print(f"{'page':<28} {'rôle':<8} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'err':>4} {'grand/petit':>11} "
          f"{'CPU ms grand':>12} {'petit':>6} {'grand/petit':>11} {'× habillage':>11} {'extrêmes':>11} "
          f"{'× ligne':>8}")  # fmt: skip
    ok = True

    def cpu(result):
        return result["cpu_app"] + result["cpu_db"]

    chrome = cpu(large[CHROME])
    over = []
    for name, role, _ in PAGES:
        r, s = large[(name, role)], small[(name, role)]
        ratio = r["p50"] / s["p50"]
        # The target: the page against the chrome page in the mixed shots; their extremes, shot by shot, show what
        # is left of the drift. Then, as before, against the chrome page's own row (minutes away from most pages).
        times_chrome = r["mixed"] if r["mixed"] is not None else 1.0
        shots = r["mixed_shots"] or [1.0]
        spread = f"{shots[0]:.2f}–{shots[-1]:.2f}"
        print(f"{name:<28} {role:<8} {r['rps']:7.0f} {r['p50']:6.1f} {r['p95']:6.1f} {r['p99']:6.1f} {r['errors']:4d} "
              f"{ratio:11.2f} {cpu(r):12.1f} {cpu(s):6.1f} {cpu(r) / cpu(s):11.2f} {times_chrome:11.2f} {spread:>11} "
              f"{cpu(r) / chrome:8.2f}")  # fmt: skip
        ok &= r["errors"] == 0 and s["errors"] == 0
        target = None if (name, role) in (FLOOR, CHROME) else 2.5 if name.startswith("Annuaire") else 2.0
        if target is not None and times_chrome > target:
            over.append(f"{name} ({role}) : {times_chrome:.2f} × l'habillage (cible ≤ {target:.1f})".replace(".", ","))
    # The chrome page against the floor: the floor's mixed shots.
    floor = large[FLOOR]
    floor_shots = sorted(1 / k for k in floor["mixed_shots"])
    print(f"\nHabillage : {chrome:.1f} ms de CPU par requête ; {1 / floor['mixed']:.2f} × le plancher (cible ≤ 1,5 ; "
          f"tirs mêlés, extrêmes {floor_shots[0]:.2f}–{floor_shots[-1]:.2f}) ; {chrome / cpu(floor):.2f} × la ligne "
          "du plancher")  # fmt: skip
    print("Pages au-delà de leur cible en multiple de l'habillage : " + ("aucune" if not over else "; ".join(over)))
    ratio = large[("Dossier", "délégué")]["p50"] / large[("Dossier", "médecin")]["p50"]
    append = large["append"]["p50"] / small["append"]["p50"]
    dossier = large[("Dossier", "médecin")]
    by_round = sorted(
        d / m
        for d, m in zip(
            large[("Dossier", "délégué")]["p50_rounds"], large[("Dossier", "médecin")]["p50_rounds"], strict=True
        )
    )
    # The same pair in CPU per request, each page against the chrome page in its mixed shots: steadier than a p50
    # (the two pages are fired at a minute apart).
    in_cpu = large[("Dossier", "délégué")]["mixed"] / large[("Dossier", "médecin")]["mixed"]
    print(f"\nPage dossier, rapport délégué/médecin (p50) : {ratio:.2f} (cible ≤ 1,15) ; tour par tour : "
          f"{statistics.median(by_round):.2f} ({by_round[0]:.2f}–{by_round[-1]:.2f}) ; en CPU par requête (tirs "
          f"mêlés) : {in_cpu:.2f}")  # fmt: skip
    # Absolute rates depend on the machine: they are reported, the targets are ratios measured in this run.
    print(
        f"Page dossier, rapport grand/petit : {dossier['p50'] / small[('Dossier', 'médecin')]['p50']:.2f} en p50, "
        f"{cpu(dossier) / cpu(small[('Dossier', 'médecin')]):.2f} en CPU par requête (cible ≤ 1,3) ; "
        f"{dossier['rps']:.0f} req/s sur cette machine (pour information)"
    )
    print(f"Ajout au journal : {large['append']['p50']:.2f} ms à l'échelle nationale, {small['append']['p50']:.2f} ms "
          f"au petit jeu, rapport {append:.2f} (cible ≤ 1,2)")  # fmt: skip
    print("Erreurs : aucune" if ok else "Erreurs : voir ci-dessus")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
