"""OpenAI's POST /v1/audio/speech, driven by the official `openai` SDK pointed at /v1 with an organization API key:
every response_format decodes to what OpenAI documents; voices by id, by name (the organization's own first) and by
OpenAI's names; the call is a history item metered like any generation; refusals come in OpenAI's error shape."""

from __future__ import annotations

import httpx
import openai
import pytest
from openai import OpenAI

from resonance.api.v1.openai_compat.voices import OPENAI_VOICES
from resonance.billing.models import UsageRecord
from resonance.generations.models import Generation
from resonance.voices.catalog import SYSTEM_VOICES
from tests.api.v1.conftest import billing_on
from tests.api.v1.decoding import decode
from tests.api.v1.test_text_to_speech import TEXT, only_generation, stored_samples
from tests.factories import all_rows
from tests.fakes import RATE
from tests.generations.conftest import ready_voice, unmatched_voice

# response_format → (container, codec, rate) as PyAV reports them; pcm is raw 24 kHz 16-bit
FORMATS = {"mp3": ("mp3", "mp3float", 24000), "opus": ("ogg", "opus", 48000), "aac": ("aac", "aac", 24000),
           "flac": ("flac", "flac", 24000), "wav": ("wav", "pcm_s16le", 24000), "pcm": ("s16le", "pcm_s16le", 24000)}
MEDIA_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav",
               "pcm": "audio/pcm"}


def openai_client(base_url: str, key: str) -> OpenAI:
    return OpenAI(api_key=key, base_url=f"{base_url}/v1", max_retries=0, timeout=60)


@pytest.fixture
def client(team, base_url) -> OpenAI:
    return openai_client(base_url, team.secret)


def speak(client: OpenAI, **options) -> tuple[bytes, str]:
    options = {"model": "tts-1", "voice": "alloy", "input": TEXT, **options}
    with client.audio.speech.with_streaming_response.create(**options) as response:
        return response.read(), response.headers["content-type"]


def refused(call) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as error:
        call()
    return error.value


def test_openai_voices_map_to_existing_built_in_voices():
    assert set(OPENAI_VOICES) == {"alloy", "ash", "ballad", "cedar", "coral", "echo", "fable", "marin", "nova", "onyx",
                                  "sage", "shimmer", "verse"}
    assert set(OPENAI_VOICES.values()) <= {voice.name for voice in SYSTEM_VOICES}


@pytest.mark.parametrize("response_format", list(FORMATS))
def test_each_response_format_decodes_to_what_openai_documents(team, client, engine, runner, response_format):
    lucy = ready_voice(name="Lucy", spec='"af_nicole"')
    data, media_type = speak(client, response_format=response_format)
    generation = only_generation(team.org.id)
    assert generation.voice_id == lucy.id and generation.text == TEXT  # alloy → Lucy
    assert media_type == MEDIA_TYPES[response_format]
    container, codec, rate = FORMATS[response_format]
    decoded = decode(data, "pcm" if response_format == "pcm" else None, 24000)
    assert (decoded.container, decoded.codec, decoded.rate, decoded.channels) == (container, codec, rate, 1)
    spoken = stored_samples(generation.id) / RATE
    assert spoken > 0.5 and abs(decoded.seconds - spoken) < 0.1 and decoded.rms > 0.05
    if response_format == "pcm":
        assert len(data) == 2 * round(stored_samples(generation.id) * 24000 / RATE)


def test_mp3_is_the_default_and_the_sdks_plain_create_works(team, client, engine, runner):
    ready_voice(name="Ethan", spec='"am_onyx"')
    response = client.audio.speech.create(model="gpt-4o-mini-tts", voice="onyx", input="Hello there.",
                                          instructions="Speak like a pirate.", speed=1.0)
    assert response.response.headers["content-type"] == "audio/mpeg"
    assert decode(response.content).codec == "mp3float"
    generation = only_generation(team.org.id)
    assert generation.voice_name == "Ethan" and response.response.headers["history-item-id"] == generation.id


def test_a_voice_is_found_by_id_or_name_in_any_case_and_the_organizations_own_wins(team, client, engine, runner):
    built_in = ready_voice(name="Aaron", spec='"am_michael"')
    ours = ready_voice(team.org, name="Aaron")
    studio = ready_voice(team.org, name="Studio Ada")
    for voice, expected in (("aaron", ours), ("STUDIO ADA", studio), (built_in.id, built_in), ({"id": studio.id}, studio)):
        speak(client, voice=voice, response_format="pcm")
        newest = max(all_rows(Generation, org_id=team.org.id), key=lambda g: g.created_at)
        assert newest.voice_id == expected.id, voice


def test_unknown_and_foreign_voices_are_404_in_openai_shape(team, rival, client, engine, runner):
    theirs = ready_voice(rival.org, name="Theirs")
    for voice in ("nobody", theirs.id, "Theirs", "alloy"):  # alloy: its built-in voice (Lucy) is not there
        error = refused(lambda: speak(client, voice=voice))
        assert error.status_code == 404
        assert error.body == {"message": error.body["message"], "type": "invalid_request_error", "param": "voice",
                              "code": "voice_not_found"}
        assert repr(voice) in error.body["message"]
    assert all_rows(Generation, org_id=team.org.id) == []


def test_a_bad_or_missing_key_is_401_in_openai_shape_before_the_body_is_read(team, base_url, engine, runner):
    error = refused(lambda: speak(openai_client(base_url, "rsk_not_a_key")))
    assert error.status_code == 401
    assert error.body == {"message": "Invalid API key: unknown or revoked.", "type": "invalid_request_error",
                          "param": None, "code": "invalid_api_key"}
    missing = httpx.post(f"{base_url}/v1/audio/speech", json={"model": "tts-1", "input": "Hi.", "voice": "alloy"})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "needs_authorization"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]


def test_the_xi_api_key_header_works_too(team, base_url, engine, runner):
    ready_voice(name="Lucy", spec='"af_nicole"')
    response = httpx.post(f"{base_url}/v1/audio/speech", headers={"xi-api-key": team.secret}, timeout=30,
                          json={"model": "tts-1", "input": "Hi there.", "voice": "alloy", "response_format": "pcm"})
    assert response.status_code == 200 and response.content


@pytest.mark.parametrize("body, param, code, message", [
    ({"input": "x" * 5001}, "input", "invalid_request", "input: String should have at most 5000 characters"),
    ({"input": "   "}, None, "invalid_request", "Please enter some text"),
    ({"response_format": "ogg"}, "response_format", "invalid_request", "response_format: Input should be"),
    ({"speed": 4.5}, "speed", "invalid_request", "speed: Input should be less than or equal to 4"),
    ({"model": "gpt-4o"}, "model", "model_not_found", "Unknown model 'gpt-4o'"),
    ({"stream_format": "sse"}, "stream_format", "invalid_request", "stream_format: Input should be 'audio'"),
])
def test_invalid_input_is_422_in_openai_shape_and_creates_nothing(team, base_url, engine, runner, body, param, code,
                                                                  message):
    ready_voice(name="Lucy", spec='"af_nicole"')
    response = httpx.post(f"{base_url}/v1/audio/speech", headers={"Authorization": f"Bearer {team.secret}"},
                          json={"model": "tts-1", "input": "Hi.", "voice": "alloy", **body})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)
    assert message in error["message"]
    assert all_rows(Generation, org_id=team.org.id) == []


def test_input_up_to_our_own_limit_is_accepted_beyond_openais(team, client, engine, runner):
    ready_voice(name="Lucy", spec='"af_nicole"')
    text = ("Word " * 1000).strip() + "."  # 4,999 characters: more than OpenAI's 4,096
    assert len(text) > 4096
    speak(client, input=text, response_format="pcm")
    assert only_generation(team.org.id).text == text


def test_speed_beyond_the_engines_range_is_spoken_at_its_nearest_end(team, client, engine, runner):
    ready_voice(name="Lucy", spec='"af_nicole"')
    for speed, spoken in ((0.25, 0.5), (4.0, 2.0), (1.25, 1.25)):
        speak(client, speed=speed, response_format="pcm")
        newest = max(all_rows(Generation, org_id=team.org.id), key=lambda g: g.created_at)
        assert newest.speed == spoken


def test_a_voice_still_being_matched_is_412_in_openai_shape(team, client, engine, runner):
    pending = unmatched_voice(team.org, status="running", progress=0.5)
    error = refused(lambda: speak(client, voice=pending.id))
    assert error.status_code == 412 and error.body["code"] == "voice_not_ready"
    assert error.response.headers["retry-after"] == "5"


def test_rate_limited_is_429_with_retry_after_in_openai_shape(team, client, configure, engine, runner):
    configure(API_RATE_LIMIT="1/60")
    ready_voice(name="Lucy", spec='"af_nicole"')
    speak(client, response_format="pcm")
    error = refused(lambda: speak(client, response_format="pcm"))
    assert error.status_code == 429 and isinstance(error, openai.RateLimitError)
    assert (error.body["type"], error.body["code"]) == ("requests", "rate_limit_exceeded")
    assert error.response.headers["retry-after"] == "60"


def test_without_a_subscription_it_is_402_like_text_to_speech(team, client, engine, runner, configure):
    ready_voice(name="Lucy", spec='"af_nicole"')
    billing_on(configure, team.org, active=False)
    error = refused(lambda: speak(client))
    assert error.status_code == 402 and error.body["code"] == "subscription_required"
    assert all_rows(Generation, org_id=team.org.id) == []


def test_with_a_subscription_it_is_metered_like_text_to_speech(team, client, engine, runner, configure):
    ready_voice(name="Lucy", spec='"af_nicole"')
    billing_on(configure, team.org, active=True)
    speak(client, input="  Hello there, API.  ", response_format="pcm")
    generation = only_generation(team.org.id)
    [usage] = all_rows(UsageRecord, org_id=team.org.id)
    assert (usage.kind, usage.source_id, usage.characters) == ("tts_generation", generation.id, 17)
