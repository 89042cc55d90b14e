"""A storage outage through a real S3 server (SeaweedFS, stopped and started again by the test): a generation rides
out a short one and keeps each of its objects once; a long one fails it with a plain message (no key, no host) and
leaves nothing the sweeper does not remove; an upload during one is refused in plain words with no row kept."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, create_generation
from resonance.jobs.runner import Runner
from resonance.ops import sweep
from resonance.orgs.scope import tenant_session
from resonance.storage import get_storage
from resonance.voices.models import Voice
from tests.factories import all_rows, get, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import DEFAULTS, ready_voice
from tests.speech_samples import speech_wav

WAIT_S = 120  # generous: a SeaweedFS start on a busy 2-core machine takes seconds
UNAVAILABLE = re.compile(r"Storage is unavailable right now; please try again\. Reference: ([0-9a-f]{8})")
TEXT = "The first sentence is short. Then a second sentence follows it. A third one closes the story."


class HeldEngine(ToneEngine):
    """Speaks the first chunk at once and every later one only after `go` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def synthesize(self, text, voice, params=None):
        for chunk in super().synthesize(text, voice, params):
            if chunk.index == 1:
                assert self.go.wait(WAIT_S), "the test never let the second chunk go"
            yield chunk


@pytest.fixture
def s3(weed, configure, sqlite_db):
    """`s3(seconds)`: the app on the module's own SeaweedFS (a fresh bucket) with that retry window."""

    def use(seconds: float):
        server = weed.server
        configure(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=server.endpoint_url, S3_BUCKET=server.new_bucket(),
                  S3_ACCESS_KEY_ID=server.access_key_id, S3_SECRET_ACCESS_KEY=server.secret_access_key,
                  STORAGE_RETRY_SECONDS=seconds)
        get_storage.cache_clear()
        return get_storage()

    yield use
    get_storage.cache_clear()


@pytest.fixture
def engine(monkeypatch) -> HeldEngine:
    held = HeldEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: held)
    return held


def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def start_generation(engine) -> tuple[str, str, threading.Thread]:
    """(org id, generation id, the runner's thread), returned once the first chunk is stored and the second held."""
    admin = make_user()
    org = make_org(admin=admin)
    principal, _ = signed_in(admin, org)
    with tenant_session(org.id) as session:
        generation_id = create_generation(session=session, actor=principal, capabilities=engine.capabilities,
                                          request=GenerationRequest(TEXT, ready_voice().id, DEFAULTS)).id
    thread = threading.Thread(target=Runner([jobs.GENERATION_JOBS]).run_pending, daemon=True)
    thread.start()
    until(lambda: get(Generation, generation_id).chunks_done == 1, "the first chunk to be stored")
    return org.id, generation_id, thread


def keys_under(prefix: str) -> list[str]:
    return sorted(item.key for item in get_storage().list_objects(prefix))


def test_a_short_outage_is_ridden_out_and_every_object_is_stored_once(weed, s3, engine):
    storage = s3(WAIT_S)
    retrying, restarted = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:  # the job's first wait lasts until storage is back
        retrying.set()
        assert restarted.wait(WAIT_S), "storage never came back"

    storage.retry = replace(storage.retry, sleep=sleep)
    org_id, generation_id, thread = start_generation(engine)
    weed.stop()
    engine.go.set()  # the second chunk is spoken and its write finds the storage down
    assert retrying.wait(WAIT_S), "the failed write was not retried"
    weed.start()
    restarted.set()
    thread.join(WAIT_S)

    done = get(Generation, generation_id)
    assert (done.status, done.error) == ("done", "") and done.chunks_done >= 2
    assert keys_under(files.org_prefix(org_id)) == [
        files.audio_key(org_id, generation_id), *(files.chunk_key(done, i) for i in range(done.chunks_done))]


def test_a_long_outage_fails_the_generation_in_plain_words_and_leaves_no_orphans(weed, s3, engine, caplog):
    """Attack: the failure's text would name the bucket, the host and the chunk's key; the row (what the page, the
    history and the API show) holds only the plain message and a reference, the log the detail."""
    s3(2)
    caplog.set_level(logging.INFO, logger="resonance")
    org_id, generation_id, thread = start_generation(engine)
    weed.stop()
    engine.go.set()
    thread.join(WAIT_S)  # two windows: the failed write, then the chunk cleanup that also finds storage down
    assert not thread.is_alive()

    failed = get(Generation, generation_id)
    match = UNAVAILABLE.fullmatch(failed.error)
    assert failed.status == "failed" and failed.object_key is None and match, failed.error
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.levelno == logging.ERROR and generation_id in record.getMessage()
    chunk = files.chunk_key(failed, 1)
    assert chunk in caplog.text and weed.server.endpoint_url in caplog.text  # the detail is in the log only

    weed.start()
    first_chunk = files.chunk_key(failed, 0)
    assert keys_under(files.org_prefix(org_id)) == [first_chunk]  # written before the outage, not yet removed
    report = sweep.sweep(delete=True, grace=timedelta(0))
    assert report.orphans == [first_chunk] and report.deleted == 1
    assert keys_under(files.org_prefix(org_id)) == []


def test_an_upload_while_storage_is_down_is_refused_in_plain_words_with_nothing_kept(weed, s3):
    s3(1)
    admin = make_user()
    org = make_org(admin=admin)
    _, token = signed_in(admin, org)
    weed.stop()
    with TestClient(build_api(), base_url="http://localhost:8000") as client:
        response = client.post("/api/voices/create", params={"name": "Studio Ada"}, content=speech_wav(12.0),
                               headers={"Origin": "http://localhost:3000", "Content-Type": "audio/wav",
                                        "Cookie": f"__Host-resonance_session={token}"})
    assert response.status_code == 503
    assert UNAVAILABLE.fullmatch(response.json()["error"]), response.text
    assert all_rows(Voice) == []
    weed.start()
    assert keys_under("voices/") == []
