"""Text to speech through the SDK: the whole file or a stream, in PCM and MP3, each call a history item spoken by the
app's generation job; invalid input, unknown and foreign voices, and the subscription gate answer in ElevenLabs'
shape. (Real Kokoro speech: test_kokoro.py.)"""

from __future__ import annotations

import io
import logging
import re
import threading

import av
import httpx
import pytest
from elevenlabs.core.api_error import ApiError

from resonance.billing.models import UsageRecord
from resonance.generations.models import Generation
from resonance.speech import audio
from resonance.speech.engine import SpeechEngineError
from resonance.storage import get_storage
from tests.api.v1.conftest import billing_on, use_engine
from tests.factories import all_rows, get
from tests.fakes import RATE, ToneEngine
from tests.generations.conftest import ready_voice, unmatched_voice

NO_RETRY = {"max_retries": 0}
TEXT = "The first sentence is short. Then a second sentence follows it. A third one comes along to close."
STORY = TEXT + " A fourth sentence adds a little more to say. And a fifth one rounds the story off for everyone."


class Gated(ToneEngine):
    """Speaks the first chunk, then holds the rest until the test has heard it (`go`): a stream that waited for the
    whole audio would never send its first bytes, and the test would fail after the deadline."""

    WAIT_S = 60  # a deadline only: the test sets `go` as soon as the first bytes arrive

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.go = threading.Event()

    def synthesize(self, text, voice, params=None):
        pieces = super().synthesize(text, voice, params)
        first = next(pieces, None)
        if first is None:
            return
        yield first
        if not self.go.wait(self.WAIT_S):
            raise AssertionError("the stream sent nothing while the rest was held back")
        yield from pieces


def stored_samples(generation_id: str) -> int:
    samples, rate = audio.read_wav(get_storage().get(get(Generation, generation_id).object_key))
    assert rate == RATE
    return len(samples)


def only_generation(org_id: str) -> Generation:
    [generation] = all_rows(Generation, org_id=org_id)
    return generation


def refused(call) -> ApiError:
    with pytest.raises(ApiError) as error:
        call()
    return error.value


def test_pcm_is_raw_16_bit_samples_at_the_asked_rate_and_the_call_is_a_history_item(team, system_voice, engine,
                                                                                     runner):
    pcm = b"".join(team.client.text_to_speech.convert(system_voice.id, text=TEXT, output_format="pcm_16000",
                                                      model_id="eleven_multilingual_v2"))
    generation = only_generation(team.org.id)
    assert generation.status == "done" and generation.text == TEXT and generation.voice_name == "Aaron"
    assert len(pcm) == 2 * round(stored_samples(generation.id) * 16000 / RATE)  # 8 kHz engine audio, resampled
    assert engine.calls == [TEXT]


def test_mp3_decodes_at_the_asked_rate_and_bit_rate(team, system_voice, engine, runner):
    for name, rate, kbps in (("mp3_44100_128", 44100, 128), ("mp3_22050_32", 22050, 32)):
        mp3 = b"".join(team.client.text_to_speech.convert(system_voice.id, text=TEXT, output_format=name))
        newest = max(all_rows(Generation, org_id=team.org.id), key=lambda g: g.created_at)
        with av.open(io.BytesIO(mp3)) as container:
            stream = container.streams.audio[0]
            decoded = sum(frame.samples for frame in container.decode(stream))
            assert (stream.codec_context.name, stream.rate, stream.bit_rate) == ("mp3float", rate, kbps * 1000)
        spoken = stored_samples(newest.id) / RATE
        assert spoken > 0.5 and abs(decoded / rate - spoken) < 0.1  # LAME adds only its frame padding


def test_stream_sends_the_first_audio_while_the_rest_is_still_being_spoken(team, system_voice, monkeypatch, runner):
    engine = Gated()
    use_engine(monkeypatch, engine)
    sizes, states = [], []
    for piece in team.client.text_to_speech.stream(system_voice.id, text=STORY, output_format="pcm_24000"):
        sizes.append(len(piece))
        if len(sizes) == 1:
            states.append(only_generation(team.org.id).status)
            engine.go.set()  # heard: the engine may speak the rest
    generation = only_generation(team.org.id)
    assert generation.chunks_done >= 3 and generation.status == "done"
    assert states == ["running"]  # the first bytes came while the job was still speaking
    assert sum(sizes) == 2 * round(stored_samples(generation.id) * 24000 / RATE)


def test_stream_speaks_through_raw_http_with_the_history_item_header(team, system_voice, engine, runner, base_url):
    with httpx.stream("POST", f"{base_url}/v1/text-to-speech/{system_voice.id}/stream",
                      params={"output_format": "mp3_44100_128"}, json={"text": "Hello there."},
                      headers={"xi-api-key": team.secret}, timeout=30) as response:
        body = response.read()
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    assert response.headers["history-item-id"] == only_generation(team.org.id).id
    assert body[:3] == b"ID3" or body[0] == 0xFF


@pytest.mark.parametrize("route", ["", "/stream", "/with-timestamps", "/stream/with-timestamps"])
def test_each_generation_names_its_history_item_and_its_characters_as_elevenlabs_does(team, system_voice, engine,
                                                                                     runner, base_url, route):
    text = "  Hello there, friend.  "  # billed as trimmed: 20 characters
    response = httpx.post(f"{base_url}/v1/text-to-speech/{system_voice.id}{route}", json={"text": text},
                          headers={"xi-api-key": team.secret}, timeout=60)
    assert response.status_code == 200, response.text
    generation = only_generation(team.org.id)
    assert response.headers["history-item-id"] == response.headers["request-id"] == generation.id
    assert response.headers["character-cost"] == response.headers["x-character-count"] == "20"
    assert response.headers["x-request-id"] != generation.id  # the log's id stays its own


@pytest.mark.parametrize("body, query, status, message", [
    ({"text": "x" * 5001}, {}, "invalid_request", "text: String should have at most 5000 characters"),
    ({"text": "   "}, {}, "invalid_request", "Please enter some text"),
    ({"text": "Hi."}, {"output_format": "ulaw_16000"}, "invalid_request", "output_format: Input should be"),
    ({"text": "Hi.", "model_id": "gpt-4"}, {}, "model_not_found", "Unknown model_id 'gpt-4'"),
    ({"text": "Hi.", "voice_settings": {"speed": 3}}, {}, "invalid_request", "voice_settings.speed"),
    ({}, {}, "invalid_request", "text: Field required"),
])
def test_invalid_input_is_422_and_creates_nothing(team, system_voice, engine, runner, base_url, body, query, status,
                                                  message):
    response = httpx.post(f"{base_url}/v1/text-to-speech/{system_voice.id}", params=query, json=body,
                          headers={"xi-api-key": team.secret})
    assert response.status_code == 422
    assert response.json()["detail"]["status"] == status and message in response.json()["detail"]["message"]
    assert all_rows(Generation, org_id=team.org.id) == []


def test_unknown_and_foreign_voices_are_404_alike(team, rival, system_voice, engine, runner):
    theirs = ready_voice(rival.org, name="Theirs")
    for voice_id in ("voi_doesnotexist", theirs.id):
        error = refused(lambda: b"".join(team.client.text_to_speech.convert(voice_id, text="Hi.",
                                                                             request_options=NO_RETRY)))
        assert error.status_code == 404
        assert error.body == {"detail": {"status": "voice_not_found", "message": "Voice not found",
                                         "request_id": error.headers["x-request-id"]}}
    assert b"".join(rival.client.text_to_speech.convert(theirs.id, text="Hi.", output_format="pcm_8000"))


def test_a_voice_still_being_matched_is_412_with_its_match_and_when_to_poll_it(team, engine, runner):
    pending = unmatched_voice(team.org, status="running", progress=0.42)
    error = refused(lambda: b"".join(team.client.text_to_speech.convert(pending.id, text="Hi.",
                                                                         request_options=NO_RETRY)))
    assert error.status_code == 412 and error.headers["retry-after"] == "5"
    assert error.body == {"detail": {
        "status": "voice_not_ready",
        "message": f"This voice is still being matched to Kokoro voices (running, 42% done). Poll GET "
                   f"/v1/voices/{pending.id} until matching.status is done, then send this request again.",
        "voice_id": pending.id,
        "matching": {"status": "running", "progress": 0.42, "similarity": None, "error": ""},
        "request_id": error.headers["x-request-id"],
    }}
    assert team.client.voices.get(pending.id).matching == error.body["detail"]["matching"]  # what it says to poll
    assert all_rows(Generation, org_id=team.org.id) == []


def test_a_voice_whose_matching_failed_is_412_without_retry_after(team, engine, runner, base_url):
    failed = unmatched_voice(team.org, status="failed", progress=0.3,
                             error="Voice matching failed. Reference: 7f3a9c2e")
    response = httpx.post(f"{base_url}/v1/text-to-speech/{failed.id}", headers={"xi-api-key": team.secret},
                          json={"text": "Hi."})
    assert response.status_code == 412 and "retry-after" not in response.headers
    detail = response.json()["detail"]
    assert detail["message"] == ("This voice cannot speak because matching it failed: Voice matching failed. "
                                 "Reference: 7f3a9c2e. Delete it and add it again from another recording.")
    assert detail["matching"] == {"status": "failed", "progress": 0.3, "similarity": None,
                                  "error": "Voice matching failed. Reference: 7f3a9c2e"}


def test_a_failed_generation_is_502_speech_failed_with_a_reference_not_the_exception(team, system_voice, monkeypatch,
                                                                                    runner, caplog):
    key = f"voices/orgs/{team.org.id}/voi_private.wav"
    use_engine(monkeypatch, ToneEngine(fail_at=0, error=SpeechEngineError(f"cannot read /srv/storage/{key}")))
    caplog.set_level(logging.ERROR, logger="resonance")
    error = refused(lambda: b"".join(team.client.text_to_speech.convert(system_voice.id, text=TEXT,
                                                                         request_options=NO_RETRY)))
    assert error.status_code == 502 and error.body["detail"]["status"] == "speech_failed"
    match = re.fullmatch(r"Speech generation failed\. Reference: ([0-9a-f]{8})", error.body["detail"]["message"])
    assert match and key not in str(error.body)
    assert only_generation(team.org.id).status == "failed"
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert key in caplog.text  # the detail is in the log, under the reference the caller was given
    history = refused(lambda: b"".join(team.client.history.get_audio(only_generation(team.org.id).id,
                                                                     request_options=NO_RETRY)))
    assert history.status_code == 409 and history.body["detail"]["message"] == match.group(0)


def test_a_failure_after_the_first_audio_breaks_the_stream_instead_of_ending_it_quietly(team, system_voice,
                                                                                     monkeypatch, runner):
    engine = Gated(fail_at=1)
    use_engine(monkeypatch, engine)
    received = []
    with pytest.raises(httpx.HTTPError):  # an incomplete chunked transfer: the client knows the audio is cut short
        for piece in team.client.text_to_speech.stream(system_voice.id, text=STORY, output_format="pcm_8000",
                                                       request_options=NO_RETRY):
            received.append(piece)
            engine.go.set()
    assert received and only_generation(team.org.id).status == "failed"


def test_without_a_subscription_speech_is_402_subscription_required(team, system_voice, engine, runner, configure):
    billing_on(configure, team.org, active=False)
    error = refused(lambda: b"".join(team.client.text_to_speech.convert(system_voice.id, text="Hi.",
                                                                         request_options=NO_RETRY)))
    assert error.status_code == 402 and error.body["detail"]["status"] == "subscription_required"
    assert all_rows(Generation, org_id=team.org.id) == []
    subscription = team.client.user.subscription.get()
    assert (subscription.status, subscription.character_limit, subscription.tier) == ("free_disabled", 0,
                                                                                      "pay_as_you_go")


def test_with_a_subscription_api_speech_is_metered_like_the_apps(team, system_voice, engine, runner, configure):
    billing_on(configure, team.org, active=True)
    b"".join(team.client.text_to_speech.convert(system_voice.id, text="  Hello there, API.  ",
                                                output_format="pcm_16000"))
    generation = only_generation(team.org.id)
    [usage] = all_rows(UsageRecord, org_id=team.org.id)
    assert (usage.kind, usage.source_id, usage.characters) == ("tts_generation", generation.id, 17)
    subscription = team.client.user.subscription.get()
    assert (subscription.status, subscription.character_count, subscription.tier) == ("active", 17, "pay_as_you_go")
