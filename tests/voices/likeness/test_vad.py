"""Voice-activity detection with the silero model inside faster-whisper, on real speech and on what is not speech."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.voices.likeness.vad import RATE, speech_only, speech_seconds, speech_segments
from tests.speech_samples import speech


def test_speech_seconds_count_the_voice_not_the_file():
    voice = speech(12)[0]
    alone = speech_seconds(voice)
    assert 10.0 < alone <= 12.0
    room = 10 ** (-70 / 20) * np.random.default_rng(0).standard_normal(20 * RATE).astype(np.float32)
    assert speech_seconds(np.concatenate([room, voice, room])) == pytest.approx(alone, abs=0.2)
    # After long digital silence the model takes a moment to trust speech again: a little of the first word is lost.
    zeros = np.zeros(20 * RATE, np.float32)
    assert speech_seconds(np.concatenate([zeros, voice, zeros])) == pytest.approx(alone, abs=0.5)


def test_segments_lie_on_the_voice_and_speech_only_joins_them():
    voice = speech(8)[0]
    padded = np.concatenate([np.zeros(5 * RATE, np.float32), voice, np.zeros(5 * RATE, np.float32)])
    segments = speech_segments(padded)
    assert segments and segments == sorted(segments)
    assert all(5 * RATE - RATE // 10 <= start < end <= 13 * RATE + RATE // 10 for start, end in segments)
    joined = speech_only(padded)
    assert joined.dtype == np.float32 and joined.size == sum(end - start for start, end in segments)
    assert joined.size / RATE == pytest.approx(speech_seconds(padded))


@pytest.mark.parametrize("name", ["silence", "white noise", "a steady hum"])
def test_nothing_is_heard_where_nobody_speaks(name):
    t = np.arange(10 * RATE) / RATE
    audio = {
        "silence": np.zeros(t.size),
        "white noise": 0.1 * np.random.default_rng(0).standard_normal(t.size),
        "a steady hum": 0.2 * np.sin(2 * np.pi * 100 * t),
    }[name].astype(np.float32)
    assert speech_segments(audio) == [] and speech_seconds(audio) == 0.0 and speech_only(audio).size == 0


def test_empty_audio_has_no_speech():
    assert speech_segments(np.zeros(0, np.float32)) == []
