"""Live input: the text-to-speech WebSocket /v1/text-to-speech/{voice_id}/stream-input, driven by the SDK's
`convert_realtime` (which always speaks wss://, so the app is served over TLS on loopback with a throwaway
certificate the client is told to trust) and by a raw `websockets` client for the message shapes."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest
from elevenlabs.core.api_error import ApiError
from starlette.applications import Starlette
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from resonance.api.app import build_api
from resonance.billing.models import UsageRecord
from resonance.generations.models import Generation
from resonance.speech import audio
from resonance.storage import get_storage
from tests.api.v1.conftest import billing_on, client_for
from tests.api.v1.decoding import decode
from tests.factories import all_rows
from tests.generations.conftest import ready_voice
from tests.servers import serving

WAIT_S = 60  # generous deadlines: what is awaited is an event, this only stops a broken test from hanging
FIRST = "The first sentence is short. "


@pytest.fixture
def sdk(team, tls_url, certificate, monkeypatch):
    """The team's SDK client against the TLS server; the client's TLS trusts only the test certificate (the SDK's
    websocket uses `ssl.create_default_context()`, which reads SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return client_for(tls_url, team.secret)


def socket_url(base_url: str, voice_id: str, **query) -> str:
    params = "&".join(f"{name}={value}" for name, value in query.items())
    return f"{base_url.replace('http://', 'ws://')}/v1/text-to-speech/{voice_id}/stream-input?{params}"


def error_name(error: ApiError) -> str:
    """The SDK raises with the error message when it read it, else with the close reason (the same name)."""
    return error.body["error"] if isinstance(error.body, dict) else error.body


def send(ws, message: dict) -> None:
    """Send, unless the server has already refused the connection (a bad query or key is answered before the first
    message, and its close may arrive before this send does)."""
    try:
        ws.send(json.dumps(message))
    except ConnectionClosed:
        pass


def received(ws) -> list[dict]:
    """Every message until the server closes; the close code is checked by the caller through `ws`."""
    messages = []
    try:
        while True:
            messages.append(json.loads(ws.recv(timeout=WAIT_S)))
    except ConnectionClosed:
        return messages


def history(org_id: str) -> list[Generation]:
    return all_rows(Generation, org_id=org_id)


def test_sdk_hears_the_first_sentence_before_the_input_ends_and_the_session_is_one_metered_history_item(
        sdk, team, system_voice, engine, configure):
    billing_on(configure, team.org, active=True)
    heard, events = threading.Event(), []

    def pieces():  # as an LLM writes: the rest only once the first sentence's audio has come back
        yield FIRST
        deadline = time.monotonic() + WAIT_S
        while not heard.is_set():  # single spaces keep the connection alive without adding text
            assert time.monotonic() < deadline, "no audio came back before the input ended"
            yield " "
        events.append("rest sent")
        yield "Then a second "
        yield "sentence follows it."

    pcm = b""
    for data in sdk.text_to_speech.convert_realtime(system_voice.id, text=pieces(), output_format="pcm_16000",
                                                    model_id="eleven_flash_v2_5"):
        if not heard.is_set():
            events.append("audio")
            heard.set()
        pcm += data

    assert events == ["audio", "rest sent"]
    [item] = history(team.org.id)
    text = "The first sentence is short. Then a second sentence follows it."
    assert (item.text, item.status, item.voice_name) == (text, "done", "Aaron")
    assert len(engine.calls) == 2  # a part per sentence
    samples, rate = audio.read_wav(get_storage().get(item.object_key))
    spoken = decode(pcm, "pcm", 16000)
    assert spoken.rate == 16000 and spoken.rms > 0.05
    assert abs(spoken.seconds - len(samples) / rate) < 0.01
    [usage] = all_rows(UsageRecord, org_id=team.org.id)
    assert (usage.kind, usage.source_id, usage.characters) == ("tts_generation", item.id, len(text))


def test_sdk_mp3_decodes_at_the_asked_rate(sdk, team, system_voice, engine):
    mp3 = b"".join(sdk.text_to_speech.convert_realtime(system_voice.id, text=iter([FIRST, "And one more."]),
                                                       output_format="mp3_22050_32"))
    decoded = decode(mp3)
    assert (decoded.codec, decoded.rate) == ("mp3float", 22050) and decoded.seconds > 0.3
    assert [item.text for item in history(team.org.id)] == ["The first sentence is short. And one more."]


def test_a_wrong_key_is_refused_before_anything_is_spoken(team, tls_url, certificate, system_voice, engine,
                                                          monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    stranger = client_for(tls_url, "rsk_not_a_real_key")
    with pytest.raises(ApiError) as error:
        b"".join(stranger.text_to_speech.convert_realtime(system_voice.id, text=iter([FIRST])))
    assert error.value.status_code == 1008 and error_name(error.value) == "invalid_api_key"
    assert engine.calls == [] and history(team.org.id) == []


def test_another_organizations_voice_is_not_found(sdk, team, rival, engine):
    theirs = ready_voice(rival.org, name="Theirs")
    with pytest.raises(ApiError) as error:
        b"".join(sdk.text_to_speech.convert_realtime(theirs.id, text=iter([FIRST])))
    assert error.value.status_code == 1008 and error_name(error.value) == "voice_not_found"
    assert engine.calls == [] and history(team.org.id) == [] and history(rival.org.id) == []


def test_without_a_key_nothing_is_spoken_and_the_key_may_come_in_the_first_message(base_url, team, system_voice,
                                                                                   engine):
    with connect(socket_url(base_url, system_voice.id)) as ws:
        ws.send(json.dumps({"text": " "}))
        messages = received(ws)
    assert [m["error"] for m in messages] == ["needs_authorization"] and messages[0]["code"] == 1008
    assert ws.close_code == 1008 and engine.calls == []

    with connect(socket_url(base_url, system_voice.id, output_format="pcm_8000")) as ws:
        ws.send(json.dumps({"text": " ", "xi-api-key": team.secret}))
        ws.send(json.dumps({"text": "Hello from the first message. "}))
        ws.send(json.dumps({"text": ""}))
        messages = received(ws)
    assert messages[-1] == {"isFinal": True} and ws.close_code == 1000
    assert [item.text for item in history(team.org.id)] == ["Hello from the first message."]


def test_flush_speaks_the_buffer_at_once_and_messages_have_elevenlabs_shapes(base_url, team, system_voice, engine):
    headers = {"xi-api-key": team.secret}
    with connect(socket_url(base_url, system_voice.id, output_format="pcm_8000", sync_alignment="true"),
                 additional_headers=headers) as ws:
        ws.send(json.dumps({"text": " ", "voice_settings": {"speed": 1.2},
                            "generation_config": {"chunk_length_schedule": [500]}}))
        ws.send(json.dumps({"text": "No sentence ends here", "flush": True}))
        first = json.loads(ws.recv(timeout=WAIT_S))  # before the input ends: the flush spoke it
        assert engine.calls == ["No sentence ends here"]
        ws.send(json.dumps({"text": " and then it does. "}))
        ws.send(json.dumps({"text": ""}))
        rest = received(ws)
    assert ws.close_code == 1000 and rest[-1] == {"isFinal": True}
    for message in [first, *rest[:-1]]:
        assert set(message) == {"audio", "isFinal", "alignment", "normalizedAlignment"}
        assert message["isFinal"] is None and base64.b64decode(message["audio"])
        timing = message["alignment"]
        assert timing == message["normalizedAlignment"]
        assert len(timing["chars"]) == len(timing["charStartTimesMs"]) == len(timing["charDurationsMs"])
        assert timing["charStartTimesMs"] == sorted(timing["charStartTimesMs"])
    assert "".join(first["alignment"]["chars"]) == "No sentence ends here"
    [item] = history(team.org.id)
    assert item.text == "No sentence ends here and then it does." and item.speed == 1.2


def test_over_long_text_is_refused_clearly_and_what_was_spoken_is_kept(base_url, team, system_voice, engine):
    sentence = "This sentence has exactly fifty characters in it. "
    with connect(socket_url(base_url, system_voice.id, output_format="pcm_8000"),
                 additional_headers={"xi-api-key": team.secret}) as ws:
        ws.send(json.dumps({"text": " "}))
        for _ in range(100):  # 5,000 characters (less the last space): at the limit
            ws.send(json.dumps({"text": sentence}))
        ws.send(json.dumps({"text": "One more. "}))
        messages = received(ws)
    error = messages[-1]
    assert (error["error"], error["code"], ws.close_code) == ("invalid_request", 1008, 1008)
    assert "at most 5,000 characters per connection" in error["message"]
    [item] = history(team.org.id)
    assert len(item.text) == 4999  # every sentence before the refused message was spoken and kept


def test_an_idle_connection_is_closed_after_the_inactivity_timeout(base_url, team, system_voice, engine):
    with connect(socket_url(base_url, system_voice.id, inactivity_timeout=1),
                 additional_headers={"xi-api-key": team.secret}) as ws:
        ws.send(json.dumps({"text": " "}))
        messages = received(ws)  # waits for the server's close, up to WAIT_S per message
    assert [m["error"] for m in messages] == ["input_timeout_exceeded"] and ws.close_code == 1008
    assert "1 seconds" in messages[0]["message"] and history(team.org.id) == []


@pytest.mark.parametrize("query, first, name", [
    ({"inactivity_timeout": 181}, {"text": " "}, "invalid_request"),
    ({"output_format": "flac_9"}, {"text": " "}, "invalid_request"),
    ({"model_id": "gpt-4"}, {"text": " "}, "model_not_found"),
    ({}, {"text": " ", "generation_config": {"chunk_length_schedule": [10]}}, "invalid_request"),
    ({}, {"text": " ", "voice_settings": {"speed": 9}}, "invalid_request"),
    ({}, {"no_text": True}, "invalid_input_message"),
])
def test_bad_settings_are_refused_with_a_message_naming_them(base_url, team, system_voice, engine, query, first,
                                                             name):
    with connect(socket_url(base_url, system_voice.id, **query), additional_headers={"xi-api-key": team.secret}) as ws:
        send(ws, first)
        messages = received(ws)
    assert [m["error"] for m in messages] == [name] and ws.close_code == 1008
    assert engine.calls == []


def test_a_message_over_the_size_cap_is_refused(base_url, team, system_voice, engine):
    with connect(socket_url(base_url, system_voice.id), additional_headers={"xi-api-key": team.secret}) as ws:
        ws.send(json.dumps({"text": " "}))
        ws.send(json.dumps({"text": "a" * 70_000}))
        messages = received(ws)
    assert [m["error"] for m in messages] == ["message_too_large"] and ws.close_code == 1009


def test_without_a_subscription_nothing_is_spoken(base_url, team, system_voice, engine, configure):
    billing_on(configure, team.org, active=False)
    with connect(socket_url(base_url, system_voice.id), additional_headers={"xi-api-key": team.secret}) as ws:
        send(ws, {"text": " "})
        send(ws, {"text": FIRST})
        messages = received(ws)
    assert [m["error"] for m in messages] == ["subscription_required"] and ws.close_code == 1008
    assert engine.calls == [] and history(team.org.id) == [] and all_rows(UsageRecord, org_id=team.org.id) == []


def test_each_connection_counts_against_the_keys_rate_limit(base_url, team, system_voice, engine, configure):
    configure(API_RATE_LIMIT="1/60")
    for expected in ([{"isFinal": True}], ["rate_limit_exceeded"]):
        with connect(socket_url(base_url, system_voice.id), additional_headers={"xi-api-key": team.secret}) as ws:
            send(ws, {"text": " "})
            send(ws, {"text": ""})
            messages = received(ws)
        assert [m.get("error", m) for m in messages] == expected
    assert ws.close_code == 1008 and engine.calls == []


def test_the_socket_reaches_its_route_through_reflexs_mount(team, system_voice, engine):
    """Reflex mounts its backend inside our FastAPI app at "" (after our routes) and that app inside its own
    (reflex/app.py, `api_transformer`): the same nesting here, with our middlewares, still routes the /v1 socket."""
    api = build_api()
    api.mount("", Starlette())  # Reflex's backend: everything our routes do not match
    outer = Starlette()
    outer.mount("", api)
    with serving(outer, name="reflex-shaped", lifespan="off") as url:
        with connect(socket_url(url, system_voice.id, output_format="pcm_8000"),
                     additional_headers={"xi-api-key": team.secret}) as ws:
            ws.send(json.dumps({"text": " "}))
            ws.send(json.dumps({"text": "Through the mount. "}))
            ws.send(json.dumps({"text": ""}))
            messages = received(ws)
    assert messages[0]["audio"] and messages[-1] == {"isFinal": True} and ws.close_code == 1000
