"""POST /api/voices/create: the original's checks in its order, and no row or file left by any refused upload."""

from __future__ import annotations

import logging
import re

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core import ratelimit
from resonance.storage import get_storage
from resonance.voices import cloning
from resonance.voices.models import Voice
from tests.factories import all_rows, make_org, make_user, signed_in
from tests.speech_samples import speech_wav
from tests.voices.test_samples import NOT_AUDIO_UPLOADS, TOO_SHORT_UPLOADS, encoded  # noqa: F401

COOKIE = "__Host-resonance_session"
QUERY = {"name": "Studio Ada", "category": "PODCAST", "language": "en-GB"}


@pytest.fixture
def client(sqlite_db):
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        yield http


@pytest.fixture
def cookie(sqlite_db):
    admin = make_user()
    _, token = signed_in(admin, make_org(admin=admin))
    return token


def post(client, cookie, body: bytes, content_type: str | None = "audio/wav", params=QUERY):
    headers = {"Origin": "http://localhost:3000"}
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    if content_type:
        headers["Content-Type"] = content_type
    return client.post("/api/voices/create", params=params, content=body, headers=headers)


def stored_files() -> set[str]:
    root = get_storage().root
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def assert_nothing_kept(before: set[str]) -> None:
    assert all_rows(Voice) == []
    assert stored_files() == before


def test_a_good_upload_answers_201_and_queues_matching(client, cookie):
    response = post(client, cookie, speech_wav(12.0))
    assert response.status_code == 201
    assert response.json()["message"] == "Voice created successfully!" and response.json()["name"] == "Studio Ada"
    [voice] = all_rows(Voice)
    assert voice.match_status == "queued"


def test_without_a_session_it_is_401_before_anything_else(client):
    response = post(client, None, b"")
    assert (response.status_code, response.text) == (401, "Unauthorized")


def test_a_foreign_origin_is_refused(client, cookie):
    response = client.post("/api/voices/create", params=QUERY, content=speech_wav(12),
                           headers={"Origin": "http://evil.example", "Cookie": f"{COOKIE}={cookie}"})
    assert response.status_code == 403
    assert all_rows(Voice) == []


@pytest.mark.parametrize(("params", "issue"), [
    ({**QUERY, "name": ""}, "Voice name is required"),
    ({**QUERY, "category": "SINGING"}, "Category is required"),
    ({**QUERY, "language": ""}, "Language is required"),
    ({**QUERY, "name": "Studio\x00Ada"}, "Voice name can't contain control characters or invalid Unicode."),
    ({**QUERY, "description": "Warm\x1b[2J"}, "Description can't contain control characters or invalid Unicode."),
])
def test_bad_fields_are_400_invalid_input(client, cookie, params, issue):
    before = stored_files()
    response = post(client, cookie, speech_wav(12), params=params)
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid input", "issues": [{"message": issue}]}
    assert_nothing_kept(before)


def test_empty_body_then_size_then_content_type(client, cookie):
    before = stored_files()
    assert post(client, cookie, b"").json() == {"error": "Please upload an audio file"}
    too_big = post(client, cookie, b"\0" * (20 * 1024 * 1024 + 1))
    assert (too_big.status_code, too_big.json()) == (413, {"error": "Audio file exceeds the 20 MB size limit"})
    missing = post(client, cookie, speech_wav(12), content_type=None)
    assert (missing.status_code, missing.json()) == (400, {"error": 'Missing "Content-Type" header'})
    assert_nothing_kept(before)


@pytest.mark.parametrize("name", list(NOT_AUDIO_UPLOADS))
def test_uploads_that_are_not_audio_are_422_and_leave_nothing(client, cookie, encoded, name):  # noqa: F811
    build, declared = NOT_AUDIO_UPLOADS[name]
    before = stored_files()
    response = post(client, cookie, build(encoded), content_type=declared)
    assert (response.status_code, response.json()) == (422, {"error": "File is not a valid audio file"})
    assert_nothing_kept(before)


@pytest.mark.parametrize("name", list(TOO_SHORT_UPLOADS))
def test_too_short_uploads_are_422_with_their_length(client, cookie, encoded, name):  # noqa: F811
    build, declared, seconds = TOO_SHORT_UPLOADS[name]
    before = stored_files()
    response = post(client, cookie, build(encoded), content_type=declared)
    assert response.status_code == 422
    assert response.json() == {"error": f"Audio too short ({seconds}s). Minimum duration is 10 seconds."}
    assert_nothing_kept(before)


def test_a_storage_failure_is_500_with_a_reference_and_the_detail_only_in_the_log(client, cookie, monkeypatch,
                                                                                  caplog):
    """Attack: the storage error names its path; the answer carries a stable message and a reference only."""
    path = "/srv/resonance/storage/voices/orgs"

    class Broken:
        def put(self, key, data, content_type):
            raise PermissionError(13, "Permission denied", f"{path}/{key}")

        def delete(self, key):
            pass

    monkeypatch.setattr(cloning, "get_storage", lambda: Broken())
    caplog.set_level(logging.ERROR, logger="resonance")
    response = post(client, cookie, speech_wav(12.0))
    assert response.status_code == 500
    match = re.fullmatch(r"Failed to create voice\. Please try again\. Reference: ([0-9a-f]{8})",
                         response.json()["error"])
    assert match and path not in response.text and "Permission" not in response.text
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert path in caplog.text and all_rows(Voice) == []


def test_new_voices_are_limited_per_organization_before_the_body_is_read(client, cookie):
    count, _ = ratelimit.rate(ratelimit.VOICE_UPLOAD)
    for _ in range(count):
        assert post(client, cookie, b"").status_code == 400  # refused uploads count too: each costs the server
    refused = post(client, cookie, speech_wav(12.0))
    assert refused.status_code == 429 and "Too many new voices" in refused.json()["error"]
    assert int(refused.headers["retry-after"]) > 0
    assert all_rows(Voice) == []
