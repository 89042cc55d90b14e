"""The in-process runner: one daemon thread that resumes interrupted jobs at start, then runs queued jobs one at a
time (speech synthesis already uses every core, so more threads would only make each job slower)."""

from __future__ import annotations

import logging

from resonance.jobs.kinds import JobKind
from resonance.jobs.loop import BackgroundLoop

log = logging.getLogger("resonance.jobs")


class Runner(BackgroundLoop):
    def __init__(self, kinds: list[JobKind], *, idle_wait_s: float = 1.0) -> None:
        super().__init__("resonance-jobs", step=lambda: self._run_one() is not None, interval=lambda: idle_wait_s)
        self.kinds = kinds
        self.idle_wait_s = idle_wait_s

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self.recover()
        super().start()

    def recover(self) -> None:
        """Put the jobs a stopped process left behind back in the queue (at start, before the thread runs)."""
        for kind in self.kinds:
            resumed = kind.recover()
            if resumed:
                log.info("resuming %d interrupted %s job(s)", resumed, kind.name)

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
