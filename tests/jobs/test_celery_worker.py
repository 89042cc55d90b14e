"""A real Celery worker on the real Redis, speaking with the real Kokoro engine: killed with SIGKILL in the middle of
a generation, the next worker completes it once (one audio object, every chunk once, one usage record, status done)
and also runs a generation whose row was committed but never sent to the broker. A task delivered again afterwards
does nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from resonance.billing.models import SubscriptionState, UsageRecord
from resonance.core.clock import clock
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, create_generation
from resonance.jobs.default import job_kinds
from resonance.jobs.distributed import RUN, CeleryDispatcher
from resonance.orgs.scope import system_session, tenant_session
from resonance.speech.kokoro import CAPABILITIES
from tests.factories import get, make_org, make_user, signed_in
from tests.generations.conftest import DEFAULTS, ready_voice

ROOT = Path(__file__).resolve().parents[2]
# Three chunks (they grow from a short first one): the first is done when the worker is killed, the rest are left.
TEXT = ("The worker starts this story. It speaks one sentence after another, with care. Then a third sentence "
        "follows it. At last the fourth one ends the story.")
# Each worker imports the app and loads Kokoro before its first job: slow on a loaded machine, so the waits are
# generous (they end as soon as their condition holds).
STARTED_WITHIN_S = 300


class Worker:
    """`python -m resonance.jobs.worker` in a process group of its own (the worker and its embedded beat)."""

    def __init__(self, name: str, log: Path):
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "resonance.jobs.worker", "--pool=solo", f"--hostname={name}@%h",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT, env={**os.environ, "RESONANCE_SPEECH_THREADS": "1", "RESONANCE_SPEECH_WORKERS": "1"},
            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def tail(self) -> str:
        return self.log.read_text()[-3000:]


def wait_for(condition, timeout: float, what: str, worker: Worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        assert worker.proc.poll() is None, f"worker exited while waiting for {what}:\n{worker.tail()}"
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{worker.tail()}")


def usage_records(source_id: str) -> list[UsageRecord]:
    with system_session() as session:
        return list(session.exec(select(UsageRecord).where(UsageRecord.source_id == source_id)))


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name, tmp_path / f"{name}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill(signal.SIGTERM)


def test_a_worker_killed_mid_generation_leaves_the_job_to_the_next_one_which_completes_it_once(
        sqlite_db, celery_jobs, configure, tmp_path, workers, redis_url):
    # Billing on (the workers inherit it), with the organization's subscription known and fresh: Polar is not asked.
    settings = configure(DATA_DIR=tmp_path / "data", POLAR_ACCESS_TOKEN="polar_test_token", POLAR_PRODUCT_ID="prod_test",
                         POLAR_SERVER_URL="http://127.0.0.1:9")
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    principal, _ = signed_in(admin, org)
    now = clock.now()
    with system_session() as session:
        session.add(SubscriptionState(org_id=org.id, active=True, subscription_status="active", state_at=now,
                                      period_start=now - timedelta(days=1), period_end=now + timedelta(days=29),
                                      checked_at=now, attempted_at=now))
    voice = ready_voice()

    def queue(text: str) -> str:
        with tenant_session(principal.org_id) as session:
            return create_generation(session=session, actor=principal, capabilities=CAPABILITIES,
                                     request=GenerationRequest(text, voice.id, DEFAULTS)).id

    dispatcher = CeleryDispatcher(job_kinds())
    generation_id = queue(TEXT)
    assert dispatcher.run_pending() == 1  # what the web process does after the row commits

    first = workers("first")
    wait_for(lambda: get(Generation, generation_id).chunks_done >= 1, STARTED_WITHIN_S, "the first chunk", first)
    first.kill()  # SIGKILL, worker and beat: no acknowledgement, no cleanup, no status written
    killed = get(Generation, generation_id)
    assert killed.status == "running" and 1 <= killed.chunks_done < killed.chunks_total, "not killed mid-generation"

    # Committed while no worker ran and never sent (as if the web process died right after the commit).
    unsent_id = queue("Hello from a row nobody sent.")

    second = workers("second")
    for job_id in (generation_id, unsent_id):
        wait_for(lambda: get(Generation, job_id).status in ("done", "failed"), STARTED_WITHIN_S, f"{job_id} to finish",
                 second)
    done = get(Generation, generation_id)
    assert done.status == "done" and done.error == "", second.tail()
    assert done.chunks_done == done.chunks_total >= 3 and done.progress == 1.0
    assert get(Generation, unsent_id).status == "done"
    assert "lost its worker; queued again" in second.log.read_text()

    # Local storage keeps an object as <key>/.data: every object of the organization, each exactly once.
    storage = settings.storage_dir
    objects = sorted(p.parent.relative_to(storage).as_posix() for p in storage.rglob(".data"))
    unsent = get(Generation, unsent_id)
    expected = sorted([done.object_key, *(files.chunk_key(done, i) for i in range(done.chunks_total)),
                       unsent.object_key, *(files.chunk_key(unsent, i) for i in range(unsent.chunks_total))])
    assert objects == expected and done.object_key == files.audio_key(done.org_id, done.id)
    assert not [p for p in storage.rglob(".tmp-*")]
    assert [(u.kind, u.org_id) for u in usage_records(generation_id)] == [("tts_generation", done.org_id)]
    assert len(usage_records(unsent_id)) == 1

    # The first delivery, or a duplicate, arriving now: the job is done, so the task does nothing.
    dispatcher.send(RUN, ["generation", generation_id])
    wait_for(lambda: "'skipped'" in second.log.read_text(), 120, "the repeated task", second)
    again = get(Generation, generation_id)
    assert (again.status, again.finished_at, again.object_key) == ("done", done.finished_at, done.object_key)
    assert len(usage_records(generation_id)) == 1
