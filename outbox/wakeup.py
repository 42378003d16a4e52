"""The only database-specific code of the outbox: waking the worker when a message is queued.

- PostgreSQL: `enqueue` issues `NOTIFY outbox` in the caller's transaction. PostgreSQL delivers it at commit
  (a rolled-back change notifies nobody), and the worker, which `LISTEN`s on its own connection, wakes at once.
  A notification sent while the worker was busy is kept by the driver until its next wait.
- SQLite (and PostgreSQL as a fallback): the worker wakes every `OUTBOX_POLL_SECONDS` anyway, which also
  brings the retries that become due.
"""

import logging
import time

CHANNEL = "outbox"

logger = logging.getLogger(__name__)


def notify(connection) -> None:
    """Call inside the transaction that queues a message."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")


def listen(connection) -> None:
    """Subscribe the worker's connection (again after a reconnection: it costs nothing when already done).

    Outside any transaction: the connection is in autocommit, so the LISTEN takes effect at once.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")


def wait(connection, timeout: float) -> bool:
    """Sleep until a message is queued (PostgreSQL) or `timeout` seconds pass. True when woken by a notification."""
    if connection.vendor == "postgresql" and connection.connection is not None and not connection.in_atomic_block:
        try:
            woken = any(True for _ in connection.connection.notifies(timeout=timeout, stop_after=1))
            # Several queued together: one pass sends them all, so drop the other notifications.
            for _ in connection.connection.notifies(timeout=0):
                pass
            return woken
        except Exception as error:  # the driver's own errors, not wrapped by Django: the database is away
            # Sleep as on SQLite; the next pass reconnects (and LISTENs again) or logs the outage.
            logger.warning("Attente des notifications interrompue (%s).", type(error).__name__)
    time.sleep(timeout)
    return False
