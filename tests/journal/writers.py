"""Concurrent appends to the journal, each thread with its own connection: the chain they leave must be one line."""

import threading
from collections.abc import Callable

from django.db import connection

from journal.models import Entry


def append_concurrently(append: Callable[[str], object], *, threads_count: int = 8, per_thread: int = 25) -> int:
    """`append(name)` called per_thread times by each of threads_count threads started together; fails on the first
    error any thread met, or when the sequences are not 1…n without a gap. Returns n."""
    barrier, errors = threading.Barrier(threads_count), []

    def writer(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                append(f"T{n}-{i}")
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = threads_count * per_thread
    assert list(Entry.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, total + 1))
    return total
