"""The in-process runner: a daemon thread that resumes interrupted jobs at start, then claims queued jobs and runs
each in a thread of its own. Kinds marked `concurrent` (generations) run up to `concurrency` at once: their chunks
take turns on the engine (resonance/speech/scheduler.py), which bounds the CPU they use, so more jobs at once only
means a short one no longer waits for a long one. Other kinds run one at a time each, as they use every core."""

from __future__ import annotations

import logging
import threading

from resonance.jobs.kinds import JobKind
from resonance.jobs.loop import BackgroundLoop

log = logging.getLogger("resonance.jobs")


class Runner(BackgroundLoop):
    def __init__(self, kinds: list[JobKind], *, idle_wait_s: float = 1.0, concurrency: int | None = None) -> None:
        super().__init__("resonance-jobs", step=self._fill, interval=lambda: idle_wait_s)
        self.kinds = kinds
        self.idle_wait_s = idle_wait_s
        self._concurrency = concurrency
        self._changed = threading.Condition()
        self._running: dict[str, int] = {kind.name: 0 for kind in kinds}
        self._finished = 0  # jobs ended, and notify() calls: run_pending waits for either to change
        self._pokes = 0

    @property
    def concurrency(self) -> int:
        if self._concurrency is None:
            from resonance.core.config import get_settings

            return get_settings().JOBS_CONCURRENCY
        return self._concurrency

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self.recover()
        super().start()

    def notify(self) -> None:
        super().notify()
        with self._changed:
            self._pokes += 1
            self._changed.notify_all()

    def recover(self) -> None:
        """Put the jobs a stopped process left behind back in the queue (at start, before the thread runs)."""
        for kind in self.kinds:
            resumed = kind.recover()
            if resumed:
                log.info("resuming %d interrupted %s job(s)", resumed, kind.name)

    def run_pending(self) -> int:
        """Run queued jobs until none is left and none runs (tests and one-off commands); returns how many ran.
        Jobs queued meanwhile are picked up when `notify()` is called or a job ends."""
        with self._changed:
            before = self._finished
        while True:
            with self._changed:
                mark = (self._finished, self._pokes)
            started = self._start_claimed()
            with self._changed:
                if started:
                    continue  # more may be claimable now
                if not any(self._running.values()) and (self._finished, self._pokes) == mark:
                    return self._finished - before  # nothing ran, nothing claimable, nothing changed meanwhile
                self._changed.wait_for(lambda: (self._finished, self._pokes) != mark)

    def _fill(self) -> bool:
        """One loop step: start what may start; True when something started (look again at once)."""
        return self._start_claimed() > 0

    def _start_claimed(self) -> int:
        """Claim queued jobs while their kinds have room, and run each in a thread; returns how many started."""
        count = 0
        for kind in self.kinds:
            limit = self.concurrency if kind.concurrent else 1
            while True:
                with self._changed:
                    if self._running[kind.name] >= limit:
                        break
                job_id = kind.claim_next()
                if job_id is None:
                    break
                with self._changed:
                    self._running[kind.name] += 1
                threading.Thread(target=self._run, args=(kind, job_id), name=f"job-{kind.name}", daemon=True).start()
                count += 1
        return count

    def _run(self, kind: JobKind, job_id: str) -> None:
        try:
            kind.run(job_id)
        except Exception:  # noqa: BLE001 - a failing job must not stop the runner
            log.exception("%s job %s failed", kind.name, job_id)
        finally:
            with self._changed:
                self._running[kind.name] -= 1
                self._finished += 1
                self._changed.notify_all()
            super().notify()  # the loop fills the freed place
