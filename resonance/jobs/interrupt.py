"""Stopping a job part-way when its process shuts down, without the job knowing what runs it.

The runner marks the thread it runs a job in with an event (`watching`); the job calls `check()` at points where
stopping leaves nothing half-made (between chunks, before a write). Once the runner sets the event, `check()` raises
`Interrupted`; the job tidies what it wrote and lets it through, and the runner gives the row back to the queue.
Outside a runner `check()` does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


class Interrupted(BaseException):
    """The process is stopping: leave the job for another run. A BaseException, like KeyboardInterrupt, so that a
    job's `except Exception` (which records a failure on the row) does not take a shutdown for a failure."""


@contextmanager
def watching(event: threading.Event) -> Iterator[None]:
    """Jobs run inside the block stop at their next `check()` once `event` is set."""
    _local.event = event
    try:
        yield
    finally:
        _local.event = None


def check() -> None:
    event = getattr(_local, "event", None)
    if event is not None and event.is_set():
        raise Interrupted()
