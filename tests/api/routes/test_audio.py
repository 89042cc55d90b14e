"""Audio routes: only through the session, tenant-checked, with the original's statuses, cache headers and Range."""

from __future__ import annotations

import re

import numpy as np
import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.generations.models import Generation
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.voices.models import Voice, VoiceVariant
from tests.factories import make_generation, make_org, make_user, make_voice, signed_in

COOKIE = "__Host-resonance_session"
WAV = audio.to_wav(np.full(8000, 0.1, np.float32), 8000)


@pytest.fixture
def world(sqlite_db):
    """Org A with a finished generation, a pending one, a custom voice and a system voice; org B with its own."""
    a_admin, b_admin = make_user(), make_user()
    org_a, org_b = make_org(admin=a_admin, name="A"), make_org(admin=b_admin, name="B")
    storage = get_storage()
    rows = {}
    with system_session() as session:
        for name, org, key in (("done", org_a, "generations/orgs/a/done"), ("pending", org_a, None),
                               ("foreign", org_b, "generations/orgs/b/foreign")):
            rows[name] = Generation(org_id=org.id, text="Hello, World!", voice_name="Aaron", object_key=key)
            session.add(rows[name])
        rows["custom"] = Voice(org_id=org_a.id, name="Ours", variant=VoiceVariant.CUSTOM, object_key="voices/orgs/a/v")
        rows["system"] = Voice(name="Aaron", variant=VoiceVariant.SYSTEM, object_key="voices/system/aaron")
        rows["foreign_voice"] = Voice(org_id=org_b.id, name="Theirs", variant=VoiceVariant.CUSTOM,
                                      object_key="voices/orgs/b/v")
        for row in rows.values():
            session.add(row)
    for key in ("generations/orgs/a/done", "generations/orgs/b/foreign", "voices/orgs/a/v", "voices/system/aaron",
                "voices/orgs/b/v"):
        storage.put(key, WAV, "audio/wav")
    return rows, signed_in(a_admin, org_a)[1]


@pytest.fixture
def client():
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        yield http


def get(client, path, token=None, **headers):
    if token:
        headers["Cookie"] = f"{COOKIE}={token}"
    return client.get(path, headers=headers)


def test_finished_audio_is_served_privately_as_wav(client, world):
    rows, token = world
    response = get(client, f"/api/audio/{rows['done'].id}", token)
    assert response.status_code == 200 and response.content == WAV
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["cache-control"] == "private, max-age=3600"
    assert response.headers["accept-ranges"] == "bytes"


def test_statuses_without_session_foreign_missing_and_pending(client, world):
    rows, token = world
    assert (get(client, f"/api/audio/{rows['done'].id}").status_code,
            get(client, f"/api/audio/{rows['done'].id}").text) == (401, "Unauthorized")
    for missing in (rows["foreign"].id, "gen_nope"):
        response = get(client, f"/api/audio/{missing}", token)
        assert (response.status_code, response.text) == (404, "Not found")
    pending = get(client, f"/api/audio/{rows['pending'].id}", token)
    assert (pending.status_code, pending.text) == (409, "Audio is not available yet")


def test_ranges_for_seeking(client, world):
    rows, token = world
    path = f"/api/audio/{rows['done'].id}"
    part = get(client, path, token, Range="bytes=10-19")
    assert part.status_code == 206 and part.content == WAV[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(WAV)}"
    tail = get(client, path, token, Range="bytes=-8")
    assert tail.status_code == 206 and tail.content == WAV[-8:]
    beyond = get(client, path, token, Range=f"bytes={len(WAV)}-")
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(WAV)}"


def test_downloads_as_wav_or_mp3_with_the_text_as_name(client, world):
    rows, token = world
    wav = get(client, f"/api/audio/{rows['done'].id}?download=1", token)
    assert wav.headers["content-disposition"] == 'attachment; filename="hello-world.wav"'
    mp3 = get(client, f"/api/audio/{rows['done'].id}?download=1&format=mp3", token)
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert mp3.headers["content-disposition"] == 'attachment; filename="hello-world.mp3"'
    assert mp3.content[:3] == b"ID3" or mp3.content[0] == 0xFF


def test_voice_samples_system_public_custom_private_foreign_not_found(client, world):
    rows, token = world
    system = get(client, f"/api/voices/{rows['system'].id}", token)
    assert system.status_code == 200 and system.headers["cache-control"] == "public, max-age=86400"
    custom = get(client, f"/api/voices/{rows['custom'].id}", token)
    assert custom.status_code == 200 and custom.headers["cache-control"] == "private, max-age=3600"
    assert get(client, f"/api/voices/{rows['foreign_voice'].id}", token).status_code == 404
    assert get(client, f"/api/voices/{rows['system'].id}").status_code == 401


def test_storage_failure_is_502(client, world, monkeypatch):
    rows, token = world
    get_storage().delete("generations/orgs/a/done")
    response = get(client, f"/api/audio/{rows['done'].id}", token)
    assert response.status_code == 502
    assert re.fullmatch(r"Failed to fetch audio\. Reference: [0-9a-f]{8}", response.text)  # no storage key


def test_finished_chunks_of_a_running_generation_are_served_before_the_rest(client, world):
    rows, token = world
    from resonance.generations import files

    with system_session() as session:
        pending = session.get(Generation, rows["pending"].id)
        pending.status, pending.chunks_done, pending.chunks_total = "running", 1, 3
        session.add(pending)
    get_storage().put(files.chunk_key(pending, 0), WAV, "audio/wav")
    first = get(client, f"/api/audio/{pending.id}/chunks/0", token)
    assert first.status_code == 200 and first.content == WAV
    assert get(client, f"/api/audio/{pending.id}/chunks/1", token).status_code == 409
    assert get(client, f"/api/audio/{rows['foreign'].id}/chunks/0", token).status_code == 404


@pytest.mark.parametrize("template", ["/api/audio/{generation}", "/api/audio/{generation}/chunks/0",
                                      "/api/voices/{voice}"])
def test_an_id_with_a_control_character_is_not_found(client, db, template):
    admin = make_user()
    org = make_org(admin=admin)
    voice = make_voice(org)
    generation = make_generation(org, voice)
    token = signed_in(admin, org)[1]
    for suffix in ("%00", "%1B", "%C2%9B"):  # NUL, ESC and a C1 control, percent-encoded as a browser sends them
        path = template.format(generation=generation.id + suffix, voice=voice.id + suffix)
        response = get(client, path, token)
        assert (response.status_code, response.text) == (404, "Not found")
