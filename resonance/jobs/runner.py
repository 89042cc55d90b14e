"""The in-process runner: a daemon thread that resumes interrupted jobs at start, then claims queued jobs and runs
each in a thread of its own. Kinds marked `concurrent` (generations) run up to `concurrency` at once: their chunks
take turns on the engine (resonance/speech/scheduler.py), which bounds the CPU they use, so more jobs at once only
means a short one no longer waits for a long one. Other kinds run one at a time each, as they use every core.

Stopping (the app's lifespan ends at SIGTERM): no new job is claimed; running ones may finish within
JOBS_SHUTDOWN_GRACE_SECONDS; after that they are interrupted at their next `interrupt.check()` and their rows go back
to 'queued'. A job stuck inside the engine past that gets its row put back by `stop()` itself, so the process can
exit at once: if the job then wakes, its next progress write finds the row no longer running and it removes its
chunks (generations/jobs.py), so nothing half-made stays and the next start (or another process) runs it from the top.
"""

from __future__ import annotations

import logging
import threading
import time

from resonance.core.db import retrying, unavailable
from resonance.jobs import interrupt
from resonance.jobs.kinds import JobKind
from resonance.jobs.loop import BackgroundLoop

log = logging.getLogger("resonance.jobs")

INTERRUPT_WAIT_S = 5.0  # after the grace: how long interrupted jobs have to reach their next check


class Runner(BackgroundLoop):
    def __init__(self, kinds: list[JobKind], *, idle_wait_s: float = 1.0, concurrency: int | None = None) -> None:
        super().__init__("resonance-jobs", step=self._fill, interval=lambda: idle_wait_s)
        self.kinds = kinds
        self.idle_wait_s = idle_wait_s
        self._concurrency = concurrency
        self._changed = threading.Condition()
        self._running: dict[str, int] = {kind.name: 0 for kind in kinds}
        self._current: dict[tuple[str, str], JobKind] = {}  # (kind, job id) of every job running now
        self._finished = 0  # jobs ended, and notify() calls: run_pending waits for either to change
        self._pokes = 0
        self._interrupt = threading.Event()
        self._fatal: BaseException | None = None  # a job thread's KeyboardInterrupt or SystemExit, for run_pending

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

    def stop(self, timeout: float | None = None, *, interrupt_wait_s: float = INTERRUPT_WAIT_S) -> None:
        """Take no new job, give running ones `timeout` seconds (default JOBS_SHUTDOWN_GRACE_SECONDS) to finish,
        then interrupt them and give their rows back to the queue. Returns within about timeout + interrupt_wait_s."""
        if timeout is None:
            from resonance.core.config import get_settings

            timeout = get_settings().JOBS_SHUTDOWN_GRACE_SECONDS
        deadline = time.monotonic() + timeout
        super().stop(timeout)
        if self._wait_idle(deadline - time.monotonic()):
            return
        self._interrupt.set()
        if self._wait_idle(interrupt_wait_s):
            return
        with self._changed:
            stuck = [(kind, job_id) for (_, job_id), kind in self._current.items()]
        for kind, job_id in stuck:  # still inside the engine: release the rows now rather than at the next start
            _release(kind, job_id)

    def join(self, timeout: float) -> bool:
        """Wait until the loop and every job thread have ended (after `stop`); False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        if self._thread:
            self._thread.join(timeout)
        return self._wait_idle(deadline - time.monotonic())

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
                if self._fatal is not None:
                    fatal, self._fatal = self._fatal, None
                    raise fatal  # the process is going down, as if the job had run in this thread
                if started:
                    continue  # more may be claimable now
                if not any(self._running.values()) and (self._finished, self._pokes) == mark:
                    return self._finished - before  # nothing ran, nothing claimable, nothing changed meanwhile
                self._changed.wait_for(lambda: (self._finished, self._pokes) != mark)

    def _wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not any(self._running.values()), timeout=max(0.0, timeout))

    def _fill(self) -> bool:
        """One loop step: start what may start; True when something started (look again at once)."""
        return self._start_claimed() > 0

    def _start_claimed(self) -> int:
        """Claim queued jobs while their kinds have room, and run each in a thread; returns how many started."""
        count = 0
        for kind in self.kinds:
            limit = self.concurrency if kind.concurrent else 1
            while not self._stop.is_set():  # stopping: claim nothing more
                with self._changed:
                    if self._running[kind.name] >= limit:
                        break
                job_id = kind.claim_next()
                if job_id is None:
                    break
                with self._changed:
                    self._running[kind.name] += 1
                    self._current[(kind.name, job_id)] = kind
                threading.Thread(target=self._run, args=(kind, job_id), name=f"job-{kind.name}", daemon=True).start()
                count += 1
        return count

    def _run(self, kind: JobKind, job_id: str) -> None:
        try:
            with interrupt.watching(self._interrupt):
                kind.run(job_id)
        except interrupt.Interrupted:
            _release(kind, job_id)
        except Exception as error:  # noqa: BLE001 - a failing job must not stop the runner
            if not unavailable(error):
                log.exception("%s job %s failed", kind.name, job_id)
            else:  # the database outlasted the job's own retries: run it again, from the top, once it is back
                log.warning("%s job %s stopped: the database is unavailable; it is queued again when it returns",
                            kind.name, job_id)
                try:
                    retrying(lambda: _release(kind, job_id), "giving a job back")
                except Exception:  # noqa: BLE001 - still away: the next start puts the row back (recover)
                    log.exception("could not give %s job %s back to the queue", kind.name, job_id)
        except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt, SystemExit: the row stays for recovery
            with self._changed:
                self._fatal = error
        finally:
            with self._changed:
                self._running[kind.name] -= 1
                self._current.pop((kind.name, job_id), None)
                self._finished += 1
                self._changed.notify_all()
            super().notify()  # the loop fills the freed place


def _release(kind: JobKind, job_id: str) -> None:
    """Back to 'queued' for the next run (a kind without per-job hooks: every running row of it, as at start)."""
    released = kind.requeue(job_id) if kind.requeue is not None else kind.recover()
    if released:
        log.warning("%s job %s stopped by shutdown; queued again", kind.name, job_id)
