"""The one background-thread shape the app uses (job runner, job dispatcher, usage sender): a daemon thread that
does a step, then waits for the interval or an earlier `notify()`, until `stop()`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from resonance.core.db import unavailable

log = logging.getLogger("resonance.jobs")


class BackgroundLoop:
    """`step()` returns True when it did work and should run again at once, else the loop waits `interval()` seconds.
    A failing step is logged and retried after the interval (the database or Redis may be briefly away)."""

    def __init__(self, name: str, step: Callable[[], bool], interval: Callable[[], float]) -> None:
        self._name, self._step, self._interval = name, step, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def notify(self) -> None:
        """Work was added: look now instead of after the interval."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the step, so a notify() during it is not lost
            try:
                busy = self._step()
            except Exception as error:  # noqa: BLE001 - a failing round must not end the thread
                if unavailable(error):  # an outage, not a bug: one line per round, no traceback
                    log.warning("%s: step failed: database unavailable (%s)", self._name, type(error).__name__)
                else:
                    log.exception("%s: step failed", self._name)
                busy = False
            if not busy:
                self._wake.wait(self._interval())
