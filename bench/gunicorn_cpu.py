"""gunicorn hooks of `bench/load.py` only: the CPU of each request, the application's and its PostgreSQL backend's.

A worker thread serves one request at a time and keeps one database connection (CONN_MAX_AGE), whose backend serves
only it: the CPU that thread and that backend used between `pre_request` and `post_request` is the request's (the
WSGI call, the writing of the response and Django's end of request, which may close an old connection). Left out,
alike for every page: gunicorn's accepting and parsing of the request, and PostgreSQL's background processes (WAL
writer, autovacuum), which the bench's per-shot figures count. Each request is written as one line, « kind status
app_ns db_ns », to a file of this worker under BENCH_CPU_LOG: kind is `chrome` for the chrome page
(BENCH_CHROME_PATH), `page` for any other. The bench fires at a page and the chrome page mixed in one shot and
divides their mean CPU: the machine's speed, which drifts by tens of per cent within a minute, is then the same for
both (docs/performance.md).

The backend's CPU comes from /proc/PID/schedstat (nanoseconds; /proc/PID/stat counts in ticks of 10 ms), for a
PostgreSQL process of this machine only. A request during which the worker opened or closed its connection, or whose
backend cannot be read, is written without it (« - ») and left out.
"""

import os
import threading
import time
from pathlib import Path

_started = threading.local()  # gthread workers (--threads) serve several requests at once
_postgres: set[int] = set()  # backend pids seen to be PostgreSQL processes of this machine


def backend_ns() -> tuple[int, int] | None:
    """(backend pid, CPU ns it used so far), None without an open connection or a readable PostgreSQL process."""
    from django.db import connection

    raw = connection.connection
    if raw is None or raw.closed:
        return None
    pid = raw.info.backend_pid
    try:
        # The pid PostgreSQL gives is its own namespace's: a server in a container would name another process here.
        # Checked once per connection, not twice per request.
        if pid not in _postgres:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                return None
            _postgres.add(pid)
        return pid, int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except OSError:
        return None


def pre_request(worker, req):
    db = backend_ns()  # before the clock: reading /proc is not the request's CPU
    _started.cpu = (time.thread_time_ns(), db)


def post_request(worker, req, environ, resp):
    app0, db0 = _started.cpu
    app = time.thread_time_ns() - app0
    db1 = backend_ns()
    db = str(db1[1] - db0[1]) if db0 is not None and db1 is not None and db0[0] == db1[0] else "-"
    kind = "chrome" if req.path == os.environ["BENCH_CHROME_PATH"] else "page"
    status = getattr(resp, "status_code", 0) if resp is not None else 0
    with open(f"{os.environ['BENCH_CPU_LOG']}.{os.getpid()}", "a") as log:
        log.write(f"{kind} {status} {app} {db}\n")
