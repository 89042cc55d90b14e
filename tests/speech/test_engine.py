"""The engine interface: parameters, sidecars, capabilities and the settings-chosen engine."""

from __future__ import annotations

import pytest

from resonance.speech import registry
from resonance.speech.engine import (
    Capabilities,
    SpeechInputError,
    SpeechParams,
    VoiceNotFound,
    decode_sidecar,
    encode_sidecar,
    sidecar_key,
)
from resonance.speech.registry import get_engine


def test_params_defaults_are_the_originals():
    params = SpeechParams()
    assert params.sliders() == {"temperature": 0.8, "top_p": 0.95, "top_k": 1000, "repetition_penalty": 1.2}
    assert params.speed == 1.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("temperature", 2.1, r"Creativity \(temperature\) must be between 0 and 2 \(got 2.1\)"),
        ("temperature", -0.1, "Creativity"),
        ("top_p", 1.01, r"Voice Variety \(top_p\) must be between 0 and 1"),
        ("top_k", 0, r"Expression Range \(top_k\) must be between 1 and 10000"),
        ("top_k", 10_001, "Expression Range"),
        ("top_k", 5.5, "whole number"),
        ("repetition_penalty", 0.9, r"Natural Flow \(repetition_penalty\) must be between 1 and 2"),
        ("speed", 0.4, r"Speed \(speed\) must be between 0.5 and 2"),
        ("speed", 2.5, "Speed"),
        ("temperature", float("nan"), "must be a number"),
        ("top_p", "high", "must be a number"),
        ("speed", True, "must be a number"),
    ],
)
def test_params_out_of_range_are_refused_naming_the_control(field, value, message):
    with pytest.raises(SpeechInputError, match=message):
        SpeechParams(**{field: value})


def test_params_edges_are_accepted():
    SpeechParams(temperature=0, top_p=0, top_k=1, repetition_penalty=1, speed=0.5)
    params = SpeechParams(temperature=2, top_p=1, top_k=10_000.0, repetition_penalty=2, speed=2)
    assert isinstance(params.top_k, int)


def test_sidecar_round_trip():
    assert sidecar_key("voices/system/voi_1") == "voices/system/voi_1.voice.json"
    assert decode_sidecar(encode_sidecar("af_heart")) == "af_heart"
    assert decode_sidecar(encode_sidecar({"af_heart": 0.7, "bf_emma": 0.3})) == {"af_heart": 0.7, "bf_emma": 0.3}
    for bad in (b"not json", b'{"engine": "other", "spec": "x"}', b'{"engine": "kokoro"}', b"[]"):
        with pytest.raises(VoiceNotFound):
            decode_sidecar(bad)


def test_capabilities_round_trip():
    caps = Capabilities("remote", "Remote", 24000, frozenset({"temperature", "top_k"}), True, True, False)
    assert Capabilities.from_dict(caps.as_dict()) == caps


def test_kokoro_says_it_uses_no_slider_and_does_not_clone():
    from resonance.speech.kokoro import CAPABILITIES

    assert CAPABILITIES.params == frozenset()
    assert (CAPABILITIES.supports_speed, CAPABILITIES.supports_tags, CAPABILITIES.clones) == (True, False, False)
    assert CAPABILITIES.sample_rate == 24000


def test_get_engine_is_kokoro_by_default_and_remote_when_a_url_is_set(configure):
    from resonance.speech.kokoro import KokoroEngine
    from resonance.speech.remote import RemoteEngine

    configure(SPEECH_URL=None)
    assert isinstance(get_engine(), KokoroEngine)
    assert get_engine() is get_engine()
    configure(SPEECH_URL="http://127.0.0.1:9/", SPEECH_API_KEY="k")
    remote = get_engine()
    assert isinstance(remote, RemoteEngine) and remote.url == "http://127.0.0.1:9"
    registry._engines.clear()


def test_speech_url_must_be_http(configure):
    from resonance.core.errors import ConfigError

    with pytest.raises(ConfigError, match="RESONANCE_SPEECH_URL"):
        configure(SPEECH_URL="ftp://x")
