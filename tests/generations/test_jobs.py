"""The generation job and the runner: chunks stored as they finish, progress, failure, resume after a restart."""

from __future__ import annotations

import logging
import re
import time

import pytest

from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, create_generation
from resonance.jobs.runner import Runner
from resonance.orgs.scope import system_session, tenant_session
from resonance.speech import audio
from resonance.speech.engine import SpeechEngineError, SpeechInputError
from resonance.storage import get_storage
from tests.factories import get
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
