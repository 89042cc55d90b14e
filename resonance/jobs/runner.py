"""The in-process runner: one daemon thread that resumes interrupted jobs at start, then runs queued jobs one at a
time (speech synthesis already uses every core, so more threads would only make each job slower)."""

from __future__ import annotations

import logging
import threading

from resonance.jobs.kinds import JobKind

log = logging.getLogger("resonance.jobs")


class Runner:
    def __init__(self, kinds: list[JobKind], *, idle_wait_s: float = 1.0) -> None:
        self.kinds = kinds
        self.idle_wait_s = idle_wait_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        for kind in self.kinds:
            resumed = kind.recover()
            if resumed:
                log.info("resuming %d interrupted %s job(s)", resumed, kind.name)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="resonance-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def notify(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    def run_pending(self) -> int:
        """Run queued jobs until none is left (tests and one-off commands); returns how many ran."""
        count = 0
        while (ran := self._run_one()) is not None:
            count += ran
        return count

    def _run_one(self) -> int | None:
        for kind in self.kinds:
            job_id = kind.claim_next()
            if job_id is not None:
                try:
                    kind.run(job_id)
                except Exception:  # noqa: BLE001 - a failing job must not stop the runner
                    log.exception("%s job %s failed", kind.name, job_id)
                return 1
        return None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self._run_one() is None:
                    self._wake.wait(self.idle_wait_s)
                    self._wake.clear()
            except Exception:  # noqa: BLE001 - e.g. the database briefly unavailable
                log.exception("job runner loop error")
                self._stop.wait(self.idle_wait_s)
