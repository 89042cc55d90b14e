"""The remote engine against our own speech service: real HTTP on a loopback port, real uvicorn, real Kokoro."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from resonance.speech import audio
from resonance.speech.engine import EngineVoice, SpeechEngineError, SpeechInputError, SpeechParams, VoiceNotFound
from resonance.speech.remote import CONTRACT_CAPABILITIES, RemoteEngine
from resonance.voices.likeness.intelligibility import cer
from tests.speech.conftest import API_KEY, store_voice

VOICE_KEY = "voices/system/voi_speech_test"
BODY = {"prompt": "Hello from the speech service.", "voice_key": VOICE_KEY, "temperature": 0.8, "top_p": 0.95,
        "top_k": 1000, "repetition_penalty": 1.2, "norm_loudness": True}


@pytest.fixture(scope="module")
def voice(storage) -> EngineVoice:
    store_voice(storage, VOICE_KEY, {"bm_george": 0.8, "bm_lewis": 0.2})
    return EngineVoice(voice_key=VOICE_KEY)  # the remote engine needs only the key


@pytest.fixture(scope="module")
def remote(speech_service) -> RemoteEngine:
    engine = RemoteEngine(speech_service, API_KEY, timeout=60)
    yield engine
    engine.close()


def test_remote_engine_speaks_intelligibly_chunk_by_chunk(remote, voice, transcribe):
    text = "The remote engine sends one request per chunk. [chuckle] Each answer is a WAV file, played in order."
    chunks = list(remote.synthesize(text, voice, SpeechParams(temperature=0.5, top_k=500)))
    assert [c.index for c in chunks] == list(range(len(chunks))) and len(chunks) >= 2
    assert chunks[0].text == "The remote engine sends one request per chunk."
    assert all(c.sample_rate == 24_000 and c.samples.dtype == np.float32 for c in chunks)
    joined = audio.concat((c.samples for c in chunks), 24_000, gap_seconds=0.2)
    heard = transcribe(joined, 24_000)
    assert "chuckle" not in heard.lower()
    said = "The remote engine sends one request per chunk. Each answer is a WAV file, played in order."
    assert cer(said, heard) <= 0.10


def test_our_service_reports_what_kokoro_really_does(remote):
    caps = remote.capabilities
    assert caps.name == "kokoro" and caps.params == frozenset() and not caps.clones and caps.supports_speed


def test_a_service_without_capabilities_is_taken_as_the_contract_says():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "Not Found"})

    engine = RemoteEngine("http://chatterbox.invalid", "k", transport=httpx.MockTransport(handler))
    assert engine.capabilities == CONTRACT_CAPABILITIES
    assert CONTRACT_CAPABILITIES.clones and CONTRACT_CAPABILITIES.supports_tags
    assert len(CONTRACT_CAPABILITIES.params) == 4 and not CONTRACT_CAPABILITIES.supports_speed


def test_generate_contract_returns_a_wav(speech_service, voice):
    response = httpx.post(f"{speech_service}/generate", json=BODY, headers={"x-api-key": API_KEY}, timeout=60)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    samples, rate = audio.read_wav(response.content)
    assert rate == 24_000 and 1.0 < len(samples) / rate < 5.0
    defaults = httpx.post(f"{speech_service}/generate", json={"prompt": "Hi.", "voice_key": VOICE_KEY},
                          headers={"x-api-key": API_KEY}, timeout=60)
    assert defaults.status_code == 200


@pytest.mark.parametrize("key", [None, "", "wrong-key", API_KEY + "x"])
def test_wrong_or_missing_key_is_403(speech_service, voice, key):
    headers = {} if key is None else {"x-api-key": key}
    response = httpx.post(f"{speech_service}/generate", json=BODY, headers=headers)
    assert response.status_code == 403 and response.json() == {"detail": "Invalid API key"}


def test_service_with_an_empty_key_refuses_everyone(storage):
    from fastapi.testclient import TestClient

    from resonance.speech.service import build_speech_app

    client = TestClient(build_speech_app(storage=storage, api_key=""))
    for key in ("", "anything"):
        response = client.post("/generate", json=BODY, headers={"x-api-key": key})
        assert response.status_code == 403 and response.json() == {"detail": "Invalid API key"}


def test_remote_engine_reports_a_refused_key(speech_service, voice):
    engine = RemoteEngine(speech_service, "wrong-key")
    with pytest.raises(SpeechEngineError, match="refused the API key"):
        list(engine.synthesize("Hello.", voice))


@pytest.mark.parametrize("key", ["voices/system/missing", "voices/../etc/passwd", "voices/system/no_sidecar"])
def test_missing_voice_is_400(speech_service, storage, key):
    storage.put("voices/system/no_sidecar", b"RIFF....", "audio/wav")  # audio without the engine's spec
    response = httpx.post(f"{speech_service}/generate", json={**BODY, "voice_key": key}, headers={"x-api-key": API_KEY})
    assert response.status_code == 400 and response.json() == {"detail": f"Voice not found at '{key}'"}


def test_remote_engine_reports_a_missing_voice(remote):
    with pytest.raises(VoiceNotFound, match="Voice audio not available"):
        list(remote.synthesize("Hello.", EngineVoice(voice_key="voices/system/missing")))
    with pytest.raises(VoiceNotFound):
        remote.synthesize("Hello.", EngineVoice(voice_key=""))


@pytest.mark.parametrize(
    "change",
    [{"temperature": 2.5}, {"top_p": -0.1}, {"top_k": 0}, {"top_k": 10_001}, {"repetition_penalty": 0.5},
     {"prompt": ""}, {"prompt": "a" * 5001}, {"voice_key": ""}, {"voice_key": "k" * 301}, {"norm_loudness": "maybe"},
     {"prompt": None}, {"speed": 3}],
)
def test_bad_params_are_422(speech_service, voice, change):
    response = httpx.post(f"{speech_service}/generate", json={**BODY, **change}, headers={"x-api-key": API_KEY})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_tags_only_prompt_is_422_with_a_reason(speech_service, voice):
    response = httpx.post(f"{speech_service}/generate", json={**BODY, "prompt": "[sigh]"},
                          headers={"x-api-key": API_KEY})
    assert response.status_code == 422 and "nothing to say" in response.json()["detail"]


def test_engine_failure_is_500(storage):
    from fastapi.testclient import TestClient

    from resonance.speech.service import build_speech_app

    class Broken:
        capabilities = CONTRACT_CAPABILITIES

        def synthesize(self, text, voice, params=None):
            raise RuntimeError("out of memory")

    client = TestClient(build_speech_app(storage=storage, api_key=API_KEY, engine=Broken()))
    store_voice(storage, VOICE_KEY, "af_heart")
    response = client.post("/generate", json=BODY, headers={"x-api-key": API_KEY})
    assert response.status_code == 500 and response.json() == {"detail": "Failed to generate audio: out of memory"}


def test_remote_engine_maps_errors_to_clear_messages():
    answers = {
        "/generate": httpx.Response(500, json={"detail": "Failed to generate audio: CUDA out of memory"}),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.get(request.url.path, httpx.Response(404))

    engine = RemoteEngine("http://tts.invalid", "k", transport=httpx.MockTransport(handler))
    with pytest.raises(SpeechEngineError, match=r"failed \(500\): Failed to generate audio: CUDA out of memory"):
        list(engine.synthesize("Hi.", EngineVoice(voice_key="v")))
    answers["/generate"] = httpx.Response(422, json={"detail": [{"loc": ["body", "top_k"], "msg": "too big"}]})
    with pytest.raises(SpeechInputError, match="top_k: too big"):
        list(engine.synthesize("Hi.", EngineVoice(voice_key="v")))
    answers["/generate"] = httpx.Response(200, content=b"<html>proxy error</html>")
    with pytest.raises(SpeechEngineError, match="not a WAV"):
        list(engine.synthesize("Hi.", EngineVoice(voice_key="v")))


def test_remote_engine_keeps_tags_for_a_service_that_performs_them():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/capabilities":
            return httpx.Response(404)
        seen.append(request)
        return httpx.Response(200, content=audio.to_wav(np.zeros(240, np.float32), 24_000))

    engine = RemoteEngine("http://tts.invalid", "secret", transport=httpx.MockTransport(handler))
    list(engine.synthesize("Hello [chuckle] there.", EngineVoice(voice_key="voices/orgs/o/v"),
                           SpeechParams(temperature=1.5, top_p=0.5, top_k=42, repetition_penalty=1.7, speed=1.5)))
    import json

    assert seen[0].headers["x-api-key"] == "secret"
    assert json.loads(seen[0].content) == {"prompt": "Hello [chuckle] there.", "voice_key": "voices/orgs/o/v",
                                           "temperature": 1.5, "top_p": 0.5, "top_k": 42, "repetition_penalty": 1.7,
                                           "norm_loudness": True}


def test_unreachable_service_is_a_clear_error():
    engine = RemoteEngine("http://127.0.0.1:9", "k", timeout=2)
    with pytest.raises(SpeechEngineError, match="unreachable"):
        list(engine.synthesize("Hi.", EngineVoice(voice_key="v")))
