"""The generation job and the runner: chunks stored as they finish, progress, failure, resume after a restart,
cancel (nothing kept, nothing billed)."""

from __future__ import annotations

import logging
import re
import time

import pytest

from resonance.billing.models import UsageRecord
from resonance.core.errors import Invalid, NotFound
from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, cancel_generation, create_generation
from resonance.jobs.runner import Runner
from resonance.orgs.scope import system_session, tenant_session
from resonance.speech import audio
from resonance.speech.engine import SpeechEngineError, SpeechInputError
from resonance.storage import get_storage
from tests.factories import all_rows, get, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import DEFAULTS, ready_voice

TEXT = ("The first sentence is short. Then a second sentence follows it. A third one comes along too. "
        "And finally, the fourth sentence closes the little story for good.")


def queue(principal, engine, text: str = TEXT) -> str:
    with tenant_session(principal.org_id) as session:
        return create_generation(session=session, actor=principal, capabilities=engine.capabilities,
                                 request=GenerationRequest(text, ready_voice().id, DEFAULTS)).id


def runner() -> Runner:
    return Runner([jobs.GENERATION_JOBS])


def test_a_queued_generation_is_spoken_chunk_by_chunk_and_stored(team, engine):
    _, principal = team
    generation_id = queue(principal, engine)
    assert runner().run_pending() == 1
    done = get(Generation, generation_id)
    assert done.status == "done" and done.progress == 1.0 and done.error == ""
    assert done.chunks_done == done.chunks_total >= 2
    storage = get_storage()
    whole, rate = audio.read_wav(storage.get(done.object_key))
    parts = [audio.read_wav(storage.get(files.chunk_key(done, i)))[0] for i in range(done.chunks_done)]
    assert rate == 8000 and len(whole) == sum(len(p) for p in parts)
    assert abs(done.duration_s - len(whole) / rate) < 0.01


def test_progress_is_visible_while_the_job_runs(team, monkeypatch):
    _, principal = team
    seen = []

    class Watching(ToneEngine):
        def synthesize(self, text, voice, params=None):
            for chunk in super().synthesize(text, voice, params):
                seen.append(get(Generation, generation_id).chunks_done)
                yield chunk

    engine = Watching()
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine)
    runner().run_pending()
    assert seen == list(range(len(seen))) and len(seen) >= 2  # each chunk was recorded before the next began


def test_an_engine_failure_marks_the_generation_failed_and_leaves_no_files(team, monkeypatch):
    _, principal = team
    broken = ToneEngine(fail_at=1)
    monkeypatch.setattr(jobs, "get_engine", lambda: broken)
    generation_id = queue(principal, broken)
    runner().run_pending()
    failed = get(Generation, generation_id)
    assert (failed.status, failed.object_key) == ("failed", None)
    assert re.fullmatch(r"Speech generation failed\. Reference: [0-9a-f]{8}", failed.error)
    assert not get_storage().exists(files.chunk_key(failed, 0))


class BrokenStorage:
    """The configured storage, except that writes fail the way a full or read-only disk does."""

    def __init__(self, inner, path: str) -> None:
        self.inner, self.path = inner, path

    def put(self, key, data, content_type):
        raise PermissionError(13, "Permission denied", f"{self.path}/{key}")

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("broken", ["engine", "storage"])
def test_a_failure_shows_a_reference_and_only_the_log_has_the_detail(team, monkeypatch, caplog, broken):
    """Attack: make a generation fail with an error that names storage keys and paths; the row (what the page, the
    history and the API show) holds a stable message and a reference, the log holds the detail under it."""
    org, principal = team
    key, path = f"voices/orgs/{org.id}/voi_private.wav", "/srv/resonance/storage"
    engine = ToneEngine(fail_at=0, error=SpeechEngineError(f"Speech synthesis failed: cannot read {path}/{key}"))
    if broken == "storage":
        engine = ToneEngine()
        storage = BrokenStorage(get_storage(), path)
        monkeypatch.setattr(jobs, "get_storage", lambda: storage)
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine)
    caplog.set_level(logging.INFO, logger="resonance")
    assert runner().run_pending() == 1

    failed = get(Generation, generation_id)
    match = re.fullmatch(r"Speech generation failed\. Reference: ([0-9a-f]{8})", failed.error)
    assert failed.status == "failed" and match, failed.error
    for internal in (path, org.id, "Error", "Permission", "synthesis"):
        assert internal not in failed.error
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.levelno == logging.ERROR and generation_id in record.getMessage()
    assert f"{path}/" in caplog.text and ("chunk" in caplog.text or key in caplog.text)  # the traceback's detail


def test_input_the_person_can_fix_keeps_its_own_words(team, monkeypatch):
    _, principal = team
    engine = ToneEngine(fail_at=0, error=SpeechInputError("Text has nothing to say once the [tags] are removed"))
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine)
    runner().run_pending()
    assert get(Generation, generation_id).error == "Text has nothing to say once the [tags] are removed"


def test_jobs_left_running_by_a_stopped_process_resume_on_start(team, engine):
    _, principal = team
    generation_id = queue(principal, engine)
    with system_session() as session:  # the process died mid-job
        row = session.get(Generation, generation_id)
        row.status, row.chunks_done = "running", 1
        session.add(row)
    fresh = runner()
    fresh.start()  # recovers, then works in its thread
    try:
        for _ in range(200):
            if get(Generation, generation_id).status == "done":
                break
            fresh.notify()
            time.sleep(0.05)
    finally:
        fresh.stop()
    assert get(Generation, generation_id).status == "done"
    assert len(engine.calls) == 1  # spoken once, from the start


def test_a_generation_is_claimed_once(team, engine):
    _, principal = team
    queue(principal, engine)
    assert jobs.GENERATION_JOBS.claim_next() is not None
    assert jobs.GENERATION_JOBS.claim_next() is None


def test_a_generation_deleted_while_being_finished_leaves_no_files(team, monkeypatch):
    _, principal = team

    class DeletedAfterTheLastChunk(ToneEngine):
        def synthesize(self, text, voice, params=None):
            yield from super().synthesize(text, voice, params)
            with system_session() as session:  # the person deletes it just before the whole audio is saved
                session.delete(session.get(Generation, generation_id))

    engine = DeletedAfterTheLastChunk()
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine)
    org_id = principal.org_id
    runner().run_pending()
    root = get_storage().root / "generations" / "orgs" / org_id
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def cancel(principal, generation_id: str) -> None:
    with tenant_session(principal.org_id) as session:
        cancel_generation(session=session, actor=principal, generation_id=generation_id)


def bill_from_now_on(configure) -> None:
    """Billing on once the generation is queued (queueing would ask Polar for a subscription): a finished job records
    its usage, and only a finished one."""
    configure(POLAR_ACCESS_TOKEN="polar-test-token", POLAR_PRODUCT_ID="prod-test", POLAR_WEBHOOK_SECRET="whsec-test")


def test_a_queued_generation_cancelled_is_never_spoken_nor_billed(team, engine, configure):
    _, principal = team
    generation_id = queue(principal, engine)
    bill_from_now_on(configure)
    cancel(principal, generation_id)
    assert runner().run_pending() == 0
    row = get(Generation, generation_id)
    assert (row.status, row.chunks_done, row.object_key) == ("cancelled", 0, None)
    assert all_rows(UsageRecord) == []
    with pytest.raises(Invalid, match="already finished"):
        cancel(principal, generation_id)


def test_a_generation_cancelled_while_spoken_stops_keeps_nothing_and_bills_nothing(team, monkeypatch, configure):
    _, principal = team

    class CancelledAfterTheFirstChunk(ToneEngine):
        def synthesize(self, text, voice, params=None):
            for chunk in super().synthesize(text, voice, params):
                spoken.append(chunk.index)
                yield chunk
                if chunk.index == 0:  # the person presses Cancel while the rest is being spoken
                    cancel(principal, generation_id)

    spoken: list[int] = []
    engine = CancelledAfterTheFirstChunk()
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine, text=" ".join([TEXT] * 3))
    bill_from_now_on(configure)
    runner().run_pending()
    row = get(Generation, generation_id)
    assert (row.status, row.object_key) == ("cancelled", None)
    assert spoken == [0, 1] and row.chunks_total > 2  # the job stopped at the chunk after the cancel
    assert all_rows(UsageRecord) == []
    root = get_storage().root / "generations" / "orgs" / principal.org_id
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_only_a_generation_of_ones_organization_that_has_not_finished_can_be_cancelled(team, engine, configure):
    _, principal = team
    generation_id = queue(principal, engine)
    bill_from_now_on(configure)
    other = make_user(name="Eve Other")
    outsider, _ = signed_in(other, make_org(admin=other, name="Other"))
    with pytest.raises(NotFound):
        cancel(outsider, generation_id)
    runner().run_pending()
    with pytest.raises(Invalid, match="already finished"):
        cancel(principal, generation_id)
    assert get(Generation, generation_id).status == "done" and len(all_rows(UsageRecord)) == 1
