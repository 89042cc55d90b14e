"""Fair under concurrency: generations running at once take turns on the engine chunk by chunk, round-robin across
organizations, through the real runner, job and chunk scheduler. The engine here synthesises a chunk only when the
test opens that chunk's gate, and the test opens one gate at a time, once every other job is waiting for its turn,
so the order below is the scheduler's choice alone (no timing is involved)."""

from __future__ import annotations

import threading
from collections import defaultdict

import numpy as np
import pytest

from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, cancel_generation, create_generation, delete_generation
from resonance.jobs.runner import Runner
from resonance.orgs.scope import tenant_session
from resonance.speech import audio
from resonance.speech.engine import Capabilities, Chunk, SpeechEngineError
from resonance.speech.scheduler import scheduler_for
from resonance.storage import get_storage
from tests.factories import get, make_org, make_user, signed_in
from tests.generations.conftest import DEFAULTS, ready_voice

WAIT_S = 30  # a safety net against a hang, never reached when the code works


def level(index: int) -> float:
    return round(0.1 * (index + 1), 2)


class GatedEngine:
    """One chunk per sentence; each chunk records that it started, then waits for its gate. `fail` names a chunk that
    raises once its gate opens."""

    def __init__(self, fail: tuple[str, int] | None = None) -> None:
        self.capabilities = Capabilities(name="gated", label="Gated", sample_rate=8000)
        self.started: list[tuple[str, int]] = []
        self.gates: dict[tuple[str, int], threading.Event] = defaultdict(threading.Event)
        self.changed = threading.Condition()
        self.fail = fail

    def synthesize(self, text, voice, params=None):
        sentences = [s for s in text.split(".") if s.strip()]
        name = sentences[0].split()[0]
        for index, sentence in enumerate(sentences):
            with self.changed:
                self.started.append((name, index))
                self.changed.notify_all()
            assert self.gates[(name, index)].wait(WAIT_S), f"gate {name} {index} never opened"
            if (name, index) == self.fail:
                raise SpeechEngineError("The engine broke down")
            yield Chunk(index=index, text=sentence, samples=np.full(800, level(index), np.float32), sample_rate=8000)

    def wait_started(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.started) >= count, WAIT_S), self.started


class Scene:
    """Two organizations, a long job (five chunks) and a short one (two), and the runner in a thread."""

    def __init__(self, engine: GatedEngine, monkeypatch) -> None:
        monkeypatch.setattr(jobs, "get_engine", lambda: engine)
        self.engine = engine
        self.scheduler = scheduler_for(engine)
        self.principals = {}
        for name in ("Long", "Short"):
            admin = make_user(name=f"{name} Admin")
            self.principals[name] = signed_in(admin, make_org(admin=admin, name=f"{name} Org"))[0]
        self.voice = ready_voice()
        self.runner = Runner([jobs.GENERATION_JOBS], concurrency=4)
        self.thread = threading.Thread(target=self.runner.run_pending, daemon=True)
        self.opened = 0
        self.ids = {}

    def queue(self, name: str, chunks: int) -> str:
        text = " ".join(f"{name} says part {i}." for i in range(chunks))
        with tenant_session(self.principals[name].org_id) as session:
            self.ids[name] = create_generation(session=session, actor=self.principals[name],
                                               capabilities=self.engine.capabilities,
                                               request=GenerationRequest(text, self.voice.id, DEFAULTS)).id
        self.runner.notify()
        return self.ids[name]

    def start(self) -> None:
        """The long job starts alone; the short one is queued while the long one's first chunk is being synthesised,
        and its own first chunk starts at once, on the first-chunk slot, though the engine's one slot is taken."""
        self.queue("Long", 5)
        self.thread.start()
        self.engine.wait_started(1)
        self.queue("Short", 2)
        self.engine.wait_started(2)
        self.settle(jobs=2)

    def settle(self, jobs: int | None = None) -> None:
        """Wait until the next chunk has started, every chunk whose gate was opened has been taken by its job, and
        every job not running a chunk waits for its turn."""
        self.engine.wait_started(self.opened + 1)
        opened = set(self.engine.started[:self.opened])
        names = {generation_id: name for name, generation_id in self.ids.items()}

        def waiting(job: dict) -> bool:
            if job["in_flight"]:
                return (names[job["job"]], job["started"] - 1) not in opened  # held at its gate
            return job["asking"]

        assert self.scheduler.wait_until(
            lambda snap: (jobs is None or len(snap) == jobs) and all(waiting(j) for j in snap),
            WAIT_S), self.scheduler.snapshot()

    def step(self, count: int = 1) -> None:
        """Let the chunk being synthesised finish, `count` times."""
        for _ in range(count):
            self.settle()
            self.engine.gates[self.engine.started[self.opened]].set()
            self.opened += 1

    def finish(self, chunks: int) -> None:
        """Open gates until `chunks` chunks in all have run, then wait for the runner to end."""
        self.step(chunks - self.opened)
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), self.engine.started


def chunks_stored(generation_id: str) -> list[int]:
    generation = get(Generation, generation_id)
    return [i for i in range(8) if get_storage().exists(files.chunk_key(generation, i))]


def test_chunks_take_turns_round_robin_across_organizations(team, monkeypatch):
    engine = GatedEngine()
    scene = Scene(engine, monkeypatch)
    scene.start()
    scene.finish(7)
    assert engine.started == [("Long", 0), ("Short", 0), ("Long", 1), ("Short", 1),
                              ("Long", 2), ("Long", 3), ("Long", 4)]
    # the short job's audio was complete before the long job's third chunk began
    long_, short = get(Generation, scene.ids["Long"]), get(Generation, scene.ids["Short"])
    assert (long_.status, long_.chunks_done, short.status, short.chunks_done) == ("done", 5, "done", 2)
    assert chunks_stored(long_.id) == [0, 1, 2, 3, 4] and chunks_stored(short.id) == [0, 1]


def test_each_job_gets_its_chunks_in_text_order(team, monkeypatch):
    engine = GatedEngine()
    scene = Scene(engine, monkeypatch)
    scene.start()
    scene.finish(7)
    for name, count in (("Long", 5), ("Short", 2)):
        whole, _ = audio.read_wav(get_storage().get(get(Generation, scene.ids[name]).object_key))
        levels = [round(float(x), 2) for x in whole[::800]]  # each chunk is 800 samples at its index's level
        assert levels == [level(i) for i in range(count)]


def test_a_failing_job_does_not_stall_the_others(team, monkeypatch):
    engine = GatedEngine(fail=("Short", 0))
    scene = Scene(engine, monkeypatch)
    scene.start()
    scene.finish(6)
    assert engine.started == [("Long", 0), ("Short", 0), ("Long", 1), ("Long", 2), ("Long", 3), ("Long", 4)]
    long_, short = get(Generation, scene.ids["Long"]), get(Generation, scene.ids["Short"])
    assert (long_.status, long_.chunks_done, short.status) == ("done", 5, "failed")
    assert chunks_stored(short.id) == []


@pytest.mark.parametrize("how", ["cancel", "delete"])
def test_a_cancelled_or_deleted_job_gives_up_its_turn(team, monkeypatch, how):
    engine = GatedEngine()
    scene = Scene(engine, monkeypatch)
    scene.start()
    scene.step(2)  # Long 0, Short 0 done; Long 1 is being synthesised, Short waits for its second turn
    scene.settle()
    principal, short_id = scene.principals["Short"], scene.ids["Short"]
    with tenant_session(principal.org_id) as session:
        if how == "cancel":
            cancel_generation(session=session, actor=principal, generation_id=short_id)
        else:
            delete_generation(session=session, actor=principal, generation_id=short_id)
    scene.finish(6)
    # Short's second chunk never ran: its turn went straight to the long job
    assert engine.started == [("Long", 0), ("Short", 0), ("Long", 1), ("Long", 2), ("Long", 3), ("Long", 4)]
    assert get(Generation, scene.ids["Long"]).status == "done"
    if how == "cancel":
        assert get(Generation, short_id).status == "cancelled"
        assert chunks_stored(short_id) == []
