"""Voices through the SDK: built-in and own voices with ElevenLabs' fields, a playable signed preview, adding a voice
from a recording with the app's checks, deleting it; another organization's voices do not exist."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from elevenlabs.core.api_error import ApiError

from resonance.billing.models import SubscriptionState, UsageRecord
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.voices import match_report
from resonance.voices.models import Voice
from tests.api.v1.conftest import billing_on, use_engine
from tests.factories import all_rows, get
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice, unmatched_voice
from tests.speech_samples import speech_wav

NO_RETRY = {"max_retries": 0}
SAMPLE = audio.to_wav(np.full(2400, 0.1, np.float32), 24000)


def refused(call) -> ApiError:
    with pytest.raises(ApiError) as error:
        call()
    return error.value


def test_lists_own_voices_first_then_built_in_ones_never_another_organizations(team, rival, system_voice):
    ours = ready_voice(team.org, name="Studio Ada")
    ready_voice(rival.org, name="Theirs")
    voices = team.client.voices.get_all().voices
    assert [(v.voice_id, v.name, v.category) for v in voices] == [(ours.id, "Studio Ada", "matched"),
                                                                   (system_voice.id, "Aaron", "premade")]
    aaron = voices[1]
    assert aaron.labels == {"language": "en-US", "use_case": "general", "accent": "american", "gender": "male"}
    assert voices[0].is_owner is True and aaron.is_owner is False
    assert [v.name for v in rival.client.voices.get_all().voices] == ["Theirs", "Aaron"]


def test_one_voice_by_id_and_another_organizations_is_404(team, rival, system_voice):
    theirs = ready_voice(rival.org, name="Theirs")
    assert team.client.voices.get(system_voice.id).name == "Aaron"
    for voice_id in (theirs.id, "voi_missing"):
        error = refused(lambda: team.client.voices.get(voice_id, request_options=NO_RETRY))
        assert error.status_code == 404 and error.body["detail"]["status"] == "voice_not_found"


def test_preview_url_plays_without_a_key_and_only_as_signed(team, rival, system_voice):
    ours = ready_voice(team.org, name="Ada")
    for key in (system_voice.object_key, ours.object_key):
        get_storage().put(key, SAMPLE, "audio/wav")
    listed = {v.voice_id: v.preview_url for v in team.client.voices.get_all().voices}
    for voice_id in (system_voice.id, ours.id):
        url = listed[voice_id]
        assert url.startswith("http://127.0.0.1:") and f"/v1/voices/{voice_id}/preview?token=" in url
        played = httpx.get(url)  # no xi-api-key: an <audio> element can play it
        assert played.status_code == 200 and played.content == SAMPLE and played.headers["content-type"] == "audio/wav"
    swapped = listed[ours.id].replace(ours.id, system_voice.id)  # a token is for one voice only
    assert httpx.get(swapped).status_code == 401
    assert httpx.get(listed[ours.id] + "x").json()["detail"]["status"] == "invalid_preview_token"


def test_a_voice_added_from_a_recording_is_the_organizations_and_can_be_deleted(team, rival):
    created = team.client.voices.ivc.create(
        name="Narrator Nell", files=[("nell.wav", speech_wav(12.0, 16000), "audio/wav")],
        description="Calm and clear", labels={"language": "en-GB", "use_case": "audiobook"},
        remove_background_noise=False,
    )
    assert created.requires_verification is False
    assert (created.category, created.matching) == (
        "matched", {"status": "queued", "progress": 0.0, "similarity": None, "error": ""})
    row = get(Voice, created.voice_id)
    assert (row.org_id, row.variant, row.name, row.language, row.category, row.description, row.created_by) == (
        team.org.id, "CUSTOM", "Narrator Nell", "en-GB", "AUDIOBOOK", "Calm and clear", team.admin.user_id)
    assert get_storage().exists(row.object_key)
    listed = team.client.voices.get(created.voice_id)
    assert (listed.category, listed.labels["accent"]) == ("matched", "british")
    error = refused(lambda: rival.client.voices.delete(created.voice_id, request_options=NO_RETRY))
    assert error.status_code == 404
    assert team.client.voices.delete(created.voice_id).status == "ok"
    assert get(Voice, created.voice_id) is None and not get_storage().exists(row.object_key)


@pytest.mark.parametrize("files, labels, status, message", [
    ([("short.wav", speech_wav(3.0, 16000), "audio/wav")], None, 422, "Audio too short"),
    ([("silence.wav", audio.to_wav(np.zeros(12 * 16000), 16000), "audio/wav")], None, 422, "We heard nothing"),
    ([("notes.txt", b"just some text, not audio at all", "text/plain")], None, 422, "not a valid audio file"),
    ([("a.wav", speech_wav(12.0), "audio/wav"), ("b.wav", speech_wav(12.0), "audio/wav")], None, 422,
     "exactly one recording"),
    ([("a.wav", speech_wav(12.0), "audio/wav")], {"language": "xx-YY"}, 422, "labels.language"),
    ([("a.wav", speech_wav(12.0), "audio/wav")], {"use_case": "yodelling"}, 422, "labels.use_case"),
])
def test_adding_checks_the_recording_and_labels_like_the_app_and_keeps_nothing(team, files, labels, status,
                                                                               message):
    error = refused(lambda: team.client.voices.ivc.create(name="Nope", files=files, labels=labels,
                                                          request_options=NO_RETRY))
    assert error.status_code == status and message.lower() in error.body["detail"]["message"].lower()
    assert all_rows(Voice, org_id=team.org.id) == []


def test_labels_must_be_a_json_object(team, base_url):
    response = httpx.post(f"{base_url}/v1/voices/add", headers={"xi-api-key": team.secret},
                          data={"name": "Nell", "labels": "not json"},
                          files={"files": ("a.wav", speech_wav(12.0), "audio/wav")})
    assert response.status_code == 422 and "labels must be a JSON object" in response.json()["detail"]["message"]
    missing = httpx.post(f"{base_url}/v1/voices/add", headers={"xi-api-key": team.secret}, data={"name": "Nell"},
                         files={"other": ("a.wav", b"RIFF", "audio/wav")})
    assert missing.status_code == 422 and missing.json()["detail"]["message"] == "files: Field required"
    assert json.loads(missing.content)["detail"]["status"] == "invalid_request"


def test_adding_a_voice_is_gated_and_metered_like_the_app(team, configure):
    billing_on(configure, team.org, active=False)
    recording = [("nell.wav", speech_wav(12.0, 16000), "audio/wav")]
    error = refused(lambda: team.client.voices.ivc.create(name="Nell", files=recording, request_options=NO_RETRY))
    assert error.status_code == 402 and error.body["detail"]["status"] == "subscription_required"
    assert all_rows(Voice, org_id=team.org.id) == []
    with system_session() as session:
        state = session.get(SubscriptionState, team.org.id)
        state.active = True
        session.add(state)
    created = team.client.voices.ivc.create(name="Nell", files=recording)
    [usage] = all_rows(UsageRecord, org_id=team.org.id)
    assert (usage.kind, usage.source_id) == ("voice_creation", created.voice_id)


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(team, base_url, configure):
    configure(VOICE_MAX_BYTES=100_000)
    response = httpx.post(f"{base_url}/v1/voices/add", headers={"xi-api-key": team.secret}, data={"name": "Big"},
                          files={"files": ("big.wav", b"RIFF" + bytes(1_200_000), "audio/wav")})
    assert response.status_code == 413 and response.json()["detail"]["status"] == "file_too_large"
    assert all_rows(Voice, org_id=team.org.id) == []


def test_built_in_voices_cannot_be_deleted(team, system_voice):
    error = refused(lambda: team.client.voices.delete(system_voice.id, request_options=NO_RETRY))
    assert error.status_code == 404 and get(Voice, system_voice.id) is not None


def _finish_match(voice_id: str, report: dict) -> None:
    """What the matcher writes when it is done (the matcher itself is tested in tests/voices)."""
    with system_session() as session:
        row = session.get(Voice, voice_id)
        row.engine_voice = json.dumps({"timbre": report["timbre"], "prosody": report["prosody"], "shift": [0.0] * 128})
        row.match_report, row.similarity = match_report.dump(report), report["held_back"]["resemblyzer"]
        row.match_status, row.match_progress = "done", 1.0
        session.add(row)


def test_a_custom_voice_says_it_is_matched_not_cloned_and_its_match_can_be_polled(team, base_url, system_voice):
    created = unmatched_voice(team.org)
    before = team.client.voices.get(created.id)
    assert (before.category, before.category_label, before.category_description) == (
        "matched", "Matched voice", "Being matched to Kokoro voices…")
    assert before.matching == {"status": "queued", "progress": 0.0, "similarity": None, "error": ""}
    assert before.fine_tuning.state == {"resonance_v1": "queued"}  # ElevenLabs' own field, parsed by its SDK

    report = {"timbre": {"bm_daniel": 0.7, "af_sarah": 0.3}, "prosody": {"bm_george": 1.0},
              "held_back": {"dvector": 0.8, "resemblyzer": 0.74}, "pitch_hz": 110.0, "syntheses": 30, "seconds": 20.0}
    _finish_match(created.id, report)
    after = team.client.voices.get(created.id)
    assert after.category == "matched" and after.category_label == "Matched voice"
    assert after.category_description == ("Matched voice: a blend of Kokoro voices Walter and Laura shaped to your "
                                          "pitch; not a clone of your recording.")
    assert after.matching == {"status": "done", "progress": 1.0, "similarity": 0.74, "error": ""}
    assert (after.fine_tuning.state, after.fine_tuning.progress) == ({"resonance_v1": "fine_tuned"},
                                                                     {"resonance_v1": 1.0})
    listed = {v.voice_id: v for v in team.client.voices.get_all().voices}
    assert listed[created.id].matching == after.matching
    aaron = listed[system_voice.id]
    assert (aaron.category, aaron.category_label, aaron.matching, aaron.fine_tuning) == (
        "premade", "Built-in", None, None)
    schema = httpx.get(f"{base_url}/v1/openapi.json").json()["components"]["schemas"]
    assert schema["Voice"]["properties"]["category"]["enum"] == ["premade", "matched", "cloned"]
    assert "never heard" in schema["Matching"]["properties"]["similarity"]["description"]


def test_with_a_cloning_engine_a_new_voice_is_cloned_and_ready_at_once(team, monkeypatch):
    use_engine(monkeypatch, ToneEngine(clones=True))
    voice = team.client.voices.get(unmatched_voice(team.org).id)
    assert (voice.category, voice.category_label) == ("cloned", "Cloned")
    assert voice.category_description == "Cloned from your recording by Test tone."
    assert voice.fine_tuning.state == {"resonance_v1": "fine_tuned"} and voice.matching["status"] == "queued"
