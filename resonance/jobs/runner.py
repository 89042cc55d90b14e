"""The in-process runner: one daemon thread that resumes interrupted jobs at start, then runs queued jobs one at a
time (speech synthesis already uses every core, so more threads would only make each job slower).

Stopping (the app's lifespan ends at SIGTERM): no new job is claimed; the running one may finish within
JOBS_SHUTDOWN_GRACE_SECONDS; after that it is interrupted at its next `interrupt.check()` and its row goes back to
'queued'. A job stuck inside the engine past that gets its row put back by `stop()` itself, so the process can exit
at once: if the job then wakes, its next progress write finds the row no longer running and it removes its chunks
(generations/jobs.py), so nothing half-made stays and the next start (or another process) runs it from the top.
"""

from __future__ import annotations

import logging
import threading

from resonance.jobs import interrupt
from resonance.jobs.kinds import JobKind
from resonance.jobs.loop import BackgroundLoop

log = logging.getLogger("resonance.jobs")

INTERRUPT_WAIT_S = 5.0  # after the grace: how long an interrupted job has to reach its next check


class Runner(BackgroundLoop):
    def __init__(self, kinds: list[JobKind], *, idle_wait_s: float = 1.0) -> None:
        super().__init__("resonance-jobs", step=lambda: self._run_one() is not None, interval=lambda: idle_wait_s)
        self.kinds = kinds
        self.idle_wait_s = idle_wait_s
        self._interrupt = threading.Event()
        self._current: tuple[JobKind, str] | None = None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._interrupt.clear()
        self.recover()
        super().start()

    def stop(self, timeout: float | None = None, *, interrupt_wait_s: float = INTERRUPT_WAIT_S) -> None:
        """Take no new job, give the running one `timeout` seconds (default JOBS_SHUTDOWN_GRACE_SECONDS) to finish,
        then interrupt it and give its row back to the queue. Returns within about timeout + interrupt_wait_s."""
        if timeout is None:
            from resonance.core.config import get_settings

            timeout = get_settings().JOBS_SHUTDOWN_GRACE_SECONDS
        super().stop(timeout)
        if not (self._thread and self._thread.is_alive()):
            return
        self._interrupt.set()
        self._thread.join(interrupt_wait_s)
        current = self._current
        if current is not None:  # still inside the engine: release the row now rather than at the next start
            _release(*current)

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
            if self._stop.is_set():
                return None  # stopping: claim nothing more
            job_id = kind.claim_next()
            if job_id is not None:
                self._current = (kind, job_id)
                try:
                    with interrupt.watching(self._interrupt):
                        kind.run(job_id)
                except interrupt.Interrupted:
                    _release(kind, job_id)
                except Exception:  # noqa: BLE001 - a failing job must not stop the runner
                    log.exception("%s job %s failed", kind.name, job_id)
                finally:
                    self._current = None
                return 1
        return None


def _release(kind: JobKind, job_id: str) -> None:
    """Back to 'queued' for the next run (a kind without per-job hooks: every running row of it, as at start)."""
    released = kind.requeue(job_id) if kind.requeue is not None else kind.recover()
    if released:
        log.warning("%s job %s stopped by shutdown; queued again", kind.name, job_id)
