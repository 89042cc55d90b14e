"""Helpers for tests of work racing a deletion: a gate that holds a job's thread at a known point until the test has
deleted what it works on, and what storage still holds of an organization."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from resonance.orgs.purge import storage_prefixes
from resonance.storage import get_storage

WAIT_S = 180.0  # only a hung job waits this long: every wait ends as soon as the other side arrives


class Gate:
    """`hold()` (in the job's thread) says it has arrived and waits; the test waits for `arrived`, does its
    deletion, then `release()`s it. Holds once: later calls pass."""

    def __init__(self) -> None:
        self._arrived, self._released, self._used = threading.Event(), threading.Event(), False

    def hold(self) -> None:
        if self._used:
            return
        self._used = True
        self._arrived.set()
        if not self._released.wait(WAIT_S):
            raise TimeoutError("the test never released the gate")

    def arrived(self, job: Callable[[], None] | None = None) -> None:
        """Wait until the job holds at the gate; with `job` (what `in_thread` returned), a job that ended before
        reaching it fails the test at once with the job's own error."""
        deadline = time.monotonic() + WAIT_S
        while not self._arrived.wait(0.05):
            if job is not None and job.done.is_set():
                job()  # re-raises the job's error
                raise AssertionError("the job ended without reaching the gate")
            if time.monotonic() > deadline:
                raise TimeoutError("the job never reached the gate")

    def release(self) -> None:
        self._released.set()


def hold_put(monkeypatch, gate: Gate, wanted: Callable[[str], bool]) -> None:
    """The first `put` or `put_file` of a key that `wanted` accepts waits at `gate` before it writes (the storage
    backend in use). Calls chain: each holds its own keys."""
    backend = type(get_storage())
    for name in ("put", "put_file"):
        real = getattr(backend, name)

        def held(self, key, data, content_type, real=real):
            if wanted(key):
                gate.hold()
            return real(self, key, data, content_type)

        monkeypatch.setattr(backend, name, held)


def in_thread(work: Callable[[], object]) -> Callable[[], None]:
    """Run `work` in a thread of its own (as the runner does); the returned call waits for it and re-raises."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            failure.append(error)

    done = threading.Event()

    def run_and_say() -> None:
        try:
            run()
        finally:
            done.set()

    thread = threading.Thread(target=run_and_say, daemon=True)
    thread.start()

    def join() -> None:
        thread.join(WAIT_S)
        assert not thread.is_alive(), "the job did not end"
        if failure:
            raise failure[0]

    join.done = done
    return join


def stored(org_id: str) -> list[str]:
    """Every object storage holds under the organization's prefixes (all its domains'), sorted."""
    storage = get_storage()
    return sorted(o.key for prefix in storage_prefixes(org_id) for o in storage.list_objects(prefix))
