"""gunicorn hooks of `bench/load.py` only: the CPU of each request, the application's and its PostgreSQL backend's.

A sync worker serves one request at a time and keeps one database connection (CONN_MAX_AGE), whose backend serves
only it: the CPU the worker process and that backend used between `pre_request` and `post_request` is the
request's (the WSGI call and the writing of the response; not the reading of the request, alike for every page).
Each request is written as one line, « kind app_ns db_ns », to a file of this worker under BENCH_CPU_LOG: kind is
`chrome` for the chrome page (BENCH_CHROME_PATH), `page` for any other. The bench fires at a page and the chrome
page mixed in one shot and divides their mean CPU: the machine's speed, which drifts by tens of per cent within a
minute, is then the same for both (docs/performance.md).

The backend's CPU comes from /proc/PID/schedstat (nanoseconds; /proc/PID/stat counts in ticks of 10 ms). A request
during which the worker opened or closed its connection is written without it (« - ») and left out.
"""

import os
import time
from pathlib import Path


def backend_ns() -> tuple[int, int] | None:
    """(backend pid, CPU ns it used so far), None without an open connection."""
    from django.db import connection

    raw = connection.connection
    if raw is None or raw.closed:
        return None
    pid = raw.info.backend_pid
    try:
        return pid, int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except OSError:
        return None


def pre_request(worker, req):
    worker.bench_cpu = (time.process_time_ns(), backend_ns())


def post_request(worker, req, environ, resp):
    app0, db0 = worker.bench_cpu
    app = time.process_time_ns() - app0
    db1 = backend_ns()
    db = str(db1[1] - db0[1]) if db0 is not None and db1 is not None and db0[0] == db1[0] else "-"
    kind = "chrome" if req.path == os.environ["BENCH_CHROME_PATH"] else "page"
    with open(f"{os.environ['BENCH_CPU_LOG']}.{os.getpid()}", "a") as log:
        log.write(f"{kind} {app} {db}\n")
