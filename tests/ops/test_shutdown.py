"""Graceful shutdown of the in-process runner: a job that finishes within the grace period finishes; one that does
not is given back to the queue with nothing of it left in storage, and the next runner completes it."""

from __future__ import annotations

import threading

import pytest

from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.jobs.runner import Runner
from resonance.storage import get_storage
from tests.factories import get, make_generation, make_org
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice

WAIT = 30  # seconds: an upper bound for things that happen at once, never reached when the code is right


class GatedEngine(ToneEngine):
    """The tone engine, held before its second chunk until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting, self.gate = threading.Event(), threading.Event()

    def synthesize(self, text, voice, params=None):
        for chunk in super().synthesize(text, voice, params):
            if chunk.index == 1:
                self.waiting.set()
                assert self.gate.wait(WAIT)
            yield chunk


@pytest.fixture
def engine(monkeypatch, data_dir):
    gated = GatedEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: gated)
    return gated


@pytest.fixture
def generation():
    org = make_org()
    return make_generation(org, ready_voice(org), text="First sentence here. Second sentence here. Third one.")


def _objects(generation: Generation) -> list[str]:
    return [item.key for item in get_storage().list_objects(files.org_prefix(generation.org_id))]


def test_a_job_that_ends_within_the_grace_period_finishes(engine, generation):
    runner = Runner([jobs.GENERATION_JOBS], idle_wait_s=WAIT)
    runner.start()
    assert engine.waiting.wait(WAIT)
    stopper = threading.Thread(target=runner.stop, kwargs={"timeout": WAIT})
    stopper.start()
    engine.gate.set()
    stopper.join(WAIT * 2)
    assert not stopper.is_alive()
    row = get(Generation, generation.id)
    assert row.status == "done"
    assert files.audio_key(row.org_id, row.id) in _objects(row)


def test_a_job_stuck_past_the_grace_period_goes_back_to_the_queue_and_leaves_nothing(engine, generation):
    runner = Runner([jobs.GENERATION_JOBS], idle_wait_s=WAIT)
    runner.start()
    assert engine.waiting.wait(WAIT)
    assert _objects(generation)  # the first chunk was stored

    runner.stop(timeout=1, interrupt_wait_s=1)  # the engine is still held: stop gives the row back itself
    assert get(Generation, generation.id).status == "queued"

    engine.gate.set()  # the engine wakes; the job must notice and remove what it wrote
    assert runner.join(WAIT)  # the job's thread noticed and ended
    row = get(Generation, generation.id)
    assert row.status == "queued" and row.object_key is None
    assert _objects(row) == []

    # The next runner (this process restarted, or another) runs it from the top, once.
    engine.waiting.clear()
    assert Runner([jobs.GENERATION_JOBS]).run_pending() == 1
    row = get(Generation, generation.id)
    assert row.status == "done"
    assert sorted(_objects(row)) == sorted([files.audio_key(row.org_id, row.id)] + [
        files.chunk_key(row, index) for index in range(row.chunks_done)])
    assert row.chunks_done >= 2


def test_an_interrupted_job_stops_at_its_next_chunk_and_is_queued_again(engine, generation):
    runner = Runner([jobs.GENERATION_JOBS], idle_wait_s=WAIT)
    runner.start()
    assert engine.waiting.wait(WAIT)
    stopper = threading.Thread(target=runner.stop, kwargs={"timeout": 1, "interrupt_wait_s": WAIT})
    stopper.start()
    assert runner._interrupt.wait(WAIT)  # the grace period is over: the runner interrupts
    engine.gate.set()  # the job reaches its next check and stops there
    stopper.join(WAIT * 2)
    assert not stopper.is_alive() and runner.join(WAIT)
    row = get(Generation, generation.id)
    assert row.status == "queued" and row.object_key is None
    assert _objects(row) == []


def test_a_stopping_runner_claims_no_new_job(engine, data_dir):
    org = make_org()
    voice = ready_voice(org)
    runner = Runner([jobs.GENERATION_JOBS], idle_wait_s=WAIT)
    runner.stop(timeout=0)
    queued = make_generation(org, voice)
    assert runner._start_claimed() == 0
    assert get(Generation, queued.id).status == "queued"
