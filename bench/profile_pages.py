# ruff: noqa: E402, T201 -- a benchmark script: Django is set up before the app imports; it prints its figures
"""The CPU cost of each page of `bench/load.py`, in process: no HTTP server, no wrk, so it can be run again and
again while working on a page.

    .venv/bin/python bench/profile_pages.py [--database bench_small] [--requests 300] [PAGE…]
    .venv/bin/python bench/profile_pages.py --profile "Dossier" [--role délégué] [--sort tottime]
    .venv/bin/python bench/profile_pages.py --without "dossiers.views:history_rows=[]" "Dossier" [--role délégué]

Each page is asked by a bench user (logged in as the demo card reader would, the delegates « Agir au nom de »)
through Django's WSGI handler with production settings (DEBUG=0), and its CPU per request is read for the
application (this process) and for PostgreSQL (its backend process, in /proc): the same two figures as
`make bench`, without the HTTP server's share. Each page is printed as a multiple of the chrome page (« Mentions
légales »), measured as `make bench` does with requests of both asked in turn, and the chrome as a multiple of the
floor (`/connexion/session/`). `--profile` runs cProfile over one
page and prints the functions where the time goes. `--without MODULE:ATTRIBUTE[=VALUE]` measures what one piece of
a page costs: the page is served in alternate blocks with that function, and with a stand-in that returns VALUE (a
Python literal, None by default), the chrome page between the blocks; two runs of the same code can differ by 10 to
30 % on a shared machine, alternating keeps that drift out of the difference. Not a test: the figures depend on the
machine.
"""

import argparse
import ast
import cProfile
import importlib
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn_cpu import backend_ns  # noqa: I001
from bench.load import CHROME, CHROME_PATH, FLOOR, PAGES, bench_people, page_targets


def configure(database: str) -> None:
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        DEBUG="0",
        DEMO="1",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1:8765",
        LOG_LEVEL="WARNING",
        # One connection for the whole run: its PostgreSQL process is the one whose CPU is read.
        CONN_MAX_AGE="86400",
        RATELIMIT_SEARCH_PER_USER="1000000/m",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    import django

    django.setup()


def session_cookie(card_id: int, acting_for_card_id: int | None = None) -> str:
    """A session as the demo card reader leaves it (and « Agir au nom de » that doctor, for a delegate)."""
    from accounts.models import Card
    from tests.conftest import login_client

    cards = Card.objects.select_related("holder__professional")
    acting_for = cards.get(pk=acting_for_card_id) if acting_for_card_id is not None else None
    client = login_client(cards.get(pk=card_id), acting_for=acting_for)
    return f"sessionid={client.session.session_key}; csrftoken={'c' * 32}"


class Server:
    """Django's WSGI handler, called as gunicorn would, with a given cookie."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def get(self, url: str, cookie: str) -> int:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8765",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        status = []
        body = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        for _ in body:
            pass
        body.close()
        return int(status[0].split()[0])


def targets(people, cookies, role, template):
    """The page's addresses as `bench/load.py` asks them, each with its user's cookie."""
    return page_targets([(person, cookies[(role, k)]) for k, person in enumerate(people)], template)


def measure(server, page_targets, requests: int) -> tuple[float, float]:
    for url, cookie in page_targets * 3:  # warm-up: templates loaded, statements prepared
        status = server.get(url, cookie)
        assert status == 200, f"{url}: {status}"
    db0, app0 = backend_ns(), time.process_time_ns()
    for k in range(requests):
        url, cookie = page_targets[k % len(page_targets)]
        server.get(url, cookie)
    app, db1 = time.process_time_ns() - app0, backend_ns()
    assert db0 is not None and db1 is not None and db0[0] == db1[0], "backend PostgreSQL illisible ou changé"
    return app / requests / 1e6, (db1[1] - db0[1]) / requests / 1e6


def measure_mixed(server, page_targets, chrome_targets, requests: int) -> tuple[float, float, float]:
    """The page and the chrome page asked in turn (each first every other time), each request's CPU read around it:
    the page's application and PostgreSQL ms per request, and its multiple of the chrome page. Both then run at the
    same speed of the machine, which drifts by tens of per cent within a minute (docs/performance.md). A pair during
    which the connection changed is asked again."""
    measure(server, page_targets, 5)
    measure(server, chrome_targets, 5)
    spent = {"page": [0, 0], "chrome": [0, 0]}  # application, PostgreSQL (ns)
    done = 0
    while done < requests:
        pair = [("page", page_targets), ("chrome", chrome_targets)][:: 1 if done % 2 else -1]
        used = {}
        for kind, asked in pair:
            db0, app0 = backend_ns(), time.process_time_ns()
            status = server.get(*asked[done % len(asked)])
            app, db1 = time.process_time_ns() - app0, backend_ns()
            assert status == 200, f"{asked[done % len(asked)][0]}: {status}"
            if db0 is None or db1 is None or db0[0] != db1[0]:
                break
            used[kind] = (app, db1[1] - db0[1])
        else:
            for kind, (app, db) in used.items():
                spent[kind][0] += app
                spent[kind][1] += db
            done += 1
    app, db = (ns / requests / 1e6 for ns in spent["page"])
    return app, db, sum(spent["page"]) / sum(spent["chrome"])


def stand_in(spec: str):
    """The object and attribute named by MODULE:ATTRIBUTE (a dotted path after the colon), the original function, and
    a stand-in that takes anything and returns VALUE."""
    name, _, value = spec.partition("=")
    module_name, _, path = name.partition(":")
    owner = importlib.import_module(module_name)
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    result = ast.literal_eval(value) if value else None
    return owner, attribute, getattr(owner, attribute), lambda *args, **kwargs: result


def measure_without(server, people, cookies, args) -> int:
    owner, attribute, original, replacement = stand_in(args.without)
    (template,) = [url for name, role, url in PAGES if (name, role) == (args.pages[0], args.role)]
    page = targets(people, cookies, args.role, template)
    chrome = targets(people, cookies, CHROME[1], CHROME_PATH)
    totals = {"avec": 0.0, "sans": 0.0, "habillage": 0.0}
    for way in ("avec", "sans"):  # warm-up of both
        setattr(owner, attribute, original if way == "avec" else replacement)
        measure(server, page, 20)
    for block in range(args.blocks):
        for way in ("avec", "sans") if block % 2 == 0 else ("sans", "avec"):
            setattr(owner, attribute, original if way == "avec" else replacement)
            totals[way] += sum(measure(server, page, 60))
        setattr(owner, attribute, original)
        totals["habillage"] += sum(measure(server, chrome, 60))
    with_it, without, chrome_cost = (totals[way] / args.blocks for way in ("avec", "sans", "habillage"))
    cost = with_it - without
    print(f"{args.pages[0]} ({args.role}) : {with_it:.2f} ms avec, {without:.2f} ms sans, habillage {chrome_cost:.2f}")
    share = f"{cost / with_it:.0%} de la page, {cost / chrome_cost:.2f} × l'habillage"
    print(f"{args.without} : {cost:.2f} ms par requête, {share}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="noms de pages de bench/load.py (toutes par défaut)")
    parser.add_argument("--database", default="bench_small")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--profile", metavar="PAGE", help="profil cProfile de cette page")
    parser.add_argument("--role", default="médecin")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--dump", metavar="FICHIER", help="avec --profile : le profil écrit pour pstats (appelants…)")
    parser.add_argument("--sql", action="store_true", help="les requêtes SQL d'une demande de chaque page")
    parser.add_argument(
        "--without",
        metavar="MODULE:ATTRIBUT[=VALEUR]",
        help="ce que coûte une fonction dans la page : tours alternés avec elle et avec une fonction qui rend VALEUR",
    )
    parser.add_argument("--blocks", type=int, default=12, help="avec --without : nombre de tours alternés")
    args = parser.parse_args()
    configure(args.database)
    people = bench_people(args.database)[: args.users]
    cookies = {}
    for k, person in enumerate(people):
        cookies[("médecin", k)] = session_cookie(person["doctor_card"])
        cookies[("délégué", k)] = session_cookie(person["delegate_card"], person["doctor_card"])
    server = Server()
    if args.without:
        return measure_without(server, people, cookies, args)
    if args.profile:
        (template,) = [url for name, role, url in PAGES if name == args.profile and role == args.role]
        page = targets(people, cookies, args.role, template)
        measure(server, page, 10)
        profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for PostgreSQL
        profiler.enable()
        for k in range(args.requests):
            server.get(*page[k % len(page)])
        profiler.disable()
        if args.dump:
            profiler.dump_stats(args.dump)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
        return 0
    wanted = [p for p in PAGES if not args.pages or p[0] in args.pages or p[:2] in (FLOOR, CHROME)]
    if args.sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for name, role, template in wanted:
            url, cookie = targets(people, cookies, role, template)[0]
            server.get(url, cookie)
            with CaptureQueriesContext(connection) as queries:
                server.get(url, cookie)
            print(f"== {name} ({role}) : {len(queries)} requêtes SQL")
            for query in queries:
                print("   ", query["sql"][: int(os.environ.get("SQL_WIDTH", 220))])
        return 0
    chrome = targets(people, cookies, CHROME[1], CHROME_PATH)
    mixed = {}
    print(f"{'page':<40} {'rôle':<8} {'app ms':>7} {'PG ms':>6} {'total':>6} {'× habillage':>11}")
    for name, role, template in wanted:
        page = targets(people, cookies, role, template)
        # Each page's figures from requests asked in turn with the chrome page's; the chrome page's own alone.
        if (name, role) == CHROME:
            (app, db), mixed[(name, role)] = measure(server, page, args.requests), 1.0
        else:
            app, db, mixed[(name, role)] = measure_mixed(server, page, chrome, args.requests)
        print(f"{name:<40} {role:<8} {app:7.2f} {db:6.2f} {app + db:6.2f} {mixed[(name, role)]:11.2f}", flush=True)
    print(f"\nHabillage : {1 / mixed[FLOOR]:.2f} × le plancher")
    return 0


if __name__ == "__main__":
    sys.exit(main())
