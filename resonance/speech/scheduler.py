"""Fair chunk scheduling: one scheduler per engine and process, in front of the engine, so that generations running
at once share it chunk by chunk instead of job by job.

The engine's work is done by `slots` threads (the engine's own concurrency: Kokoro's chunks-at-once). Each picks the
next chunk round-robin over organizations, then over that organization's jobs, so a short job waits for at most the
chunks already being synthesised, never for all of a long job's chunks. A job's chunks still come out in text order.

A job is a stream of chunks. An engine with `plan(text, voice, params)` (Kokoro) hands over one callable per chunk,
so a job alone can keep every slot busy as before; any other engine's `synthesize` iterator is advanced one chunk at
a time. A chunk already running cannot be interrupted, so one more slot than the engine's, the first-chunk slot, runs only
jobs' first chunks: a job arriving while long chunks fill every slot starts at once, the operating system sharing
the cores among the running chunks, instead of waiting up to a long chunk's time for a slot to free up.

A planned job runs at most one chunk until its first is out (so first audio is not slowed by its second chunk),
then up to `slots` ahead of what its caller has taken; an iterator runs its next chunk only when the caller asks. Before each chunk starts, the job's `alive()` is asked, so a job
cancelled or deleted while waiting gives up its turn without spending a chunk on it.

The scheduler knows nothing of the database: organization and job are opaque strings from the caller.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator

from resonance.speech.engine import Chunk, EngineVoice, SpeechParams

log = logging.getLogger(__name__)


class Withdrawn(Exception):
    """The job's `alive()` said no before one of its chunks started: its remaining chunks were dropped."""


class _Job:
    def __init__(self, org: str, name: str, tasks: list[Callable[[], Chunk]] | None,
                 chunks: Iterator[Chunk] | None, alive: Callable[[], bool] | None):
        self.org, self.name, self.alive = org, name, alive
        self.tasks, self.chunks = tasks, chunks  # one of them
        self.total = len(tasks) if tasks is not None else None  # an iterator's is known when it runs out
        self.started = 0  # chunks handed to a slot so far
        self.in_flight = 0
        self.results: dict[int, Chunk | BaseException] = {}
        self.taken = 0  # chunks the caller has taken
        self.asking = False  # the caller waits for its next chunk
        self.closed = False

    def ready(self, slots: int) -> bool:
        """Whether a slot may start this job's next chunk now."""
        if self.closed or (self.total is not None and self.started >= self.total):
            return False
        if any(isinstance(r, BaseException) for r in self.results.values()):
            return False  # failed: nothing after the failure is needed
        if self.chunks is not None:  # an iterator runs its next chunk when asked, as a generator does
            return self.asking and self.started == self.taken
        window = 1 if self.taken == 0 and not self.results else slots
        return self.started - self.taken < window


class ChunkScheduler:
    def __init__(self, slots: int, *, first_chunk_slots: int = 1):
        self.slots = max(1, slots)
        self.first_chunk_slots = max(0, first_chunk_slots)
        self._cond = threading.Condition()
        self._orgs: deque[str] = deque()  # organizations with jobs, next turn first
        self._jobs: dict[str, deque[_Job]] = {}  # per organization, next turn first
        self._threads = {False: 0, True: 0}  # running slot threads: regular ones, first-chunk ones

    def stream(self, engine, text: str, voice: EngineVoice, params: SpeechParams | None = None, *, org: str = "",
               job: str = "", alive: Callable[[], bool] | None = None) -> Iterator[Chunk]:
        """The engine's chunks for this text, in order, synthesised when this job's turn comes. Input errors are
        raised here, before any chunk; a chunk's failure is raised where that chunk would have come."""
        plan = getattr(engine, "plan", None)
        if plan is not None:
            entry = _Job(org, job, list(plan(text, voice, params)), None, alive)
        else:
            entry = _Job(org, job, None, iter(engine.synthesize(text, voice, params)), alive)
        return self._consume(entry)

    def snapshot(self) -> list[dict]:
        """Each job's state, in turn order (for tests and diagnostics)."""
        with self._cond:
            return [self._state(job) for org in self._orgs for job in self._jobs[org]]

    def wait_until(self, predicate: Callable[[list[dict]], bool], timeout: float) -> bool:
        """Block until `predicate(snapshot)` holds (it is checked at every change); False if `timeout` passed."""
        with self._cond:
            return self._cond.wait_for(
                lambda: predicate([self._state(job) for org in self._orgs for job in self._jobs[org]]), timeout)

    @staticmethod
    def _state(job: _Job) -> dict:
        return {"org": job.org, "job": job.name, "started": job.started, "in_flight": job.in_flight,
                "buffered": len(job.results), "taken": job.taken,
                "asking": job.asking and job.taken not in job.results, "total": job.total}

    def _consume(self, job: _Job) -> Iterator[Chunk]:
        with self._cond:
            self._add(job)
        try:
            while True:
                with self._cond:
                    job.asking = True
                    self._cond.notify_all()  # an iterator's next chunk may start now
                    self._cond.wait_for(lambda: job.taken in job.results or job.taken == job.total)
                    job.asking = False
                    if job.taken == job.total:
                        return
                    result = job.results.pop(job.taken)
                    job.taken += 1
                    self._cond.notify_all()  # the window moved: this job may be ready again
                if isinstance(result, BaseException):
                    raise result
                yield result
        finally:
            with self._cond:
                self._remove(job)

    def _add(self, job: _Job) -> None:
        if job.org not in self._jobs:
            self._jobs[job.org] = deque()
            self._orgs.append(job.org)
        self._jobs[job.org].append(job)
        for first_only, wanted in ((False, self.slots), (True, self.first_chunk_slots)):
            while self._threads[first_only] < wanted:
                self._threads[first_only] += 1
                threading.Thread(target=self._work, args=(first_only,), name="speech-slot", daemon=True).start()
        self._cond.notify_all()

    def _remove(self, job: _Job) -> None:
        job.closed = True
        jobs = self._jobs.get(job.org)
        if jobs is not None and job in jobs:
            jobs.remove(job)
            if not jobs:
                del self._jobs[job.org]
                self._orgs.remove(job.org)
        if job.chunks is not None and not job.in_flight:
            _close(job.chunks)  # else the slot running its chunk closes it
        self._cond.notify_all()

    def _pick(self, first_only: bool) -> _Job | None:
        """The next job to run a chunk of: the first organization in turn with a ready job, and its first ready job;
        both go to the back of their queues."""
        for org in self._orgs:
            jobs = self._jobs[org]
            for job in jobs:
                if self._eligible(job, first_only):
                    jobs.remove(job)
                    jobs.append(job)
                    self._orgs.remove(org)
                    self._orgs.append(org)
                    return job
        return None

    def _work(self, first_only: bool) -> None:
        """A slot: run chunks while any job is registered, then end (a later job starts slots again)."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: not self._orgs or self._any_eligible(first_only))
                if not self._orgs:
                    self._threads[first_only] -= 1
                    return
                job = self._pick(first_only)
                index = job.started
                job.started += 1
                job.in_flight += 1
            result = self._run(job, index)
            with self._cond:
                job.in_flight -= 1
                if isinstance(result, StopIteration):
                    job.total = index  # the iterator ran out: this index has no chunk
                elif not job.closed:
                    job.results[index] = result
                if job.closed and job.chunks is not None:
                    _close(job.chunks)
                self._cond.notify_all()

    def _eligible(self, job: _Job, first_only: bool) -> bool:
        return job.ready(self.slots) and (not first_only or job.started == 0)

    def _any_eligible(self, first_only: bool) -> bool:
        return any(self._eligible(job, first_only) for jobs in self._jobs.values() for job in jobs)

    @staticmethod
    def _run(job: _Job, index: int) -> Chunk | BaseException:
        try:
            if job.alive is not None and not job.alive():
                raise Withdrawn(f"job {job.name} was withdrawn before chunk {index}")
            if job.tasks is not None:
                return job.tasks[index]()
            return next(job.chunks)
        except BaseException as error:  # noqa: BLE001 - handed to the job's caller, raised there
            return error


def _close(chunks: Iterator[Chunk]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - an engine failing to clean up must not take a slot down
            log.exception("closing a speech stream failed")


_schedulers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def scheduler_for(engine) -> ChunkScheduler:
    """The process's scheduler for this engine, with the engine's `slots()` (1 for an engine that has none)."""
    with _lock:
        scheduler = _schedulers.get(engine)
        if scheduler is None:
            slots = getattr(engine, "slots", None)
            scheduler = _schedulers[engine] = ChunkScheduler(slots() if slots else 1)
        return scheduler


def stream(engine, text: str, voice: EngineVoice, params: SpeechParams | None = None, *, org: str = "",
           job: str = "", alive: Callable[[], bool] | None = None) -> Iterator[Chunk]:
    """`engine.synthesize`, through the engine's fair scheduler, as job `job` of organization `org`."""
    return scheduler_for(engine).stream(engine, text, voice, params, org=org, job=job, alive=alive)
