"""Screening an upload for speech: silence, noise, music, clipping and a voice far too quiet are each refused with a
message that says what to fix; real speech passes at any sensible level, in any container."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.speech import audio
from resonance.voices.likeness.screening import SILENT, screen
from resonance.voices.sample_rules import NotSpeech, SampleLimits, SampleRejected
from resonance.voices.samples import prepare_sample
from tests.speech_samples import speech
from tests.voices.test_samples import encode

RATE = 16_000
TOO_QUIET = r"^This recording is far too quiet to hear your voice \(-\d+ dBFS\)\. Move closer to the microphone"
TOO_LITTLE = (r"^We heard only {} s of speech in this recording\. Record at least 10 s of you talking \(silence, music "
              r"and background noise don't count\)\.$")
DISTORTED = r"^This recording is distorted: your voice was louder than the microphone could take"


def chords(seconds: float) -> np.ndarray:
    """A piano-like progression: a new four-note chord of decaying harmonics every half second."""
    rng = np.random.default_rng(1)
    t = np.arange(int(0.5 * RATE)) / RATE
    bars = []
    for _ in range(int(seconds * 2)):
        root = 110 * 2 ** (rng.integers(0, 12) / 12)
        notes = [root * 2 ** (step / 12) for step in (0, 4, 7, 12)]
        bars.append(np.exp(-3 * t) * sum(np.sin(2 * np.pi * f * k * t) / k for f in notes for k in range(1, 6)))
    music = np.concatenate(bars)
    return (0.3 * music / np.max(np.abs(music))).astype(np.float32)


def with_silence(voice: np.ndarray, seconds: float) -> np.ndarray:
    return np.concatenate([voice, np.zeros(int(seconds * RATE), np.float32)])


NOT_SPEECH = {
    "digital silence": (lambda: np.zeros(15 * RATE, np.float32), f"^{SILENT}$"),
    "room hiss only": (lambda: (10 ** (-70 / 20) * np.random.default_rng(0).standard_normal(15 * RATE))
                       .astype(np.float32), TOO_QUIET),
    "white noise": (lambda: (0.1 * np.random.default_rng(0).standard_normal(15 * RATE)).astype(np.float32),
                    TOO_LITTLE.format(r"0\.0")),
    "music (chords)": (lambda: chords(15), TOO_LITTLE.format(r"0\.0")),
    "speech at -60 dBFS": (lambda: speech(15)[0] * np.float32(10 ** (-60 / 20) / 0.1), TOO_QUIET),
    "hard-clipped speech": (lambda: np.clip(speech(15, peak=4.0)[0], -1.0, 1.0), DISTORTED),
    "5 s of speech in 15 s": (lambda: with_silence(speech(5)[0], 10), TOO_LITTLE.format(r"[45]\.\d")),
}


@pytest.mark.parametrize("name", list(NOT_SPEECH))
def test_what_is_not_usable_speech_is_refused_with_what_to_fix(name):
    build, message = NOT_SPEECH[name]
    with pytest.raises(NotSpeech, match=message) as raised:
        screen(build(), min_speech_seconds=10)
    assert isinstance(raised.value, SampleRejected) and raised.value.status == 422


@pytest.mark.parametrize("peak", [0.03, 0.1, 0.5, 1.0])
def test_speech_passes_at_any_sensible_level(peak):
    screen(speech(15, peak=peak)[0], min_speech_seconds=10)


def test_a_few_clipped_peaks_pass():
    screen(np.clip(speech(15, peak=1.4)[0], -1.0, 1.0), min_speech_seconds=10)


def test_the_speech_needed_is_a_setting():
    voice = with_silence(speech(6)[0], 10)
    screen(voice, min_speech_seconds=5)
    with pytest.raises(NotSpeech, match=r"Record at least 7\.5 s of you talking"):
        screen(voice, min_speech_seconds=7.5)


@pytest.mark.parametrize(("container", "codec", "rate"), [("wav", "pcm_s16le", 44100), ("mp3", "libmp3lame", 44100),
                                                          ("ogg", "libopus", 48000), ("ipod", "aac", 44100)])
def test_clipping_is_found_after_resampling_and_lossy_codecs(container, codec, rate):
    limits = SampleLimits(max_bytes=20 * 1024 * 1024, min_seconds=10, max_seconds=300, min_speech_seconds=10)
    clean = encode(speech(15, rate, peak=0.9), rate, container, codec)
    assert prepare_sample(clean, declared_type=None, limits=limits).duration_s == pytest.approx(15, abs=0.1)
    clipped = encode(np.clip(speech(15, rate, peak=8.0), -1.0, 1.0), rate, container, codec)
    with pytest.raises(NotSpeech, match=DISTORTED):
        prepare_sample(clipped, declared_type=None, limits=limits)


def test_the_message_is_checked_before_any_gain():
    quiet = audio.to_wav(speech(15)[0] * np.float32(10 ** (-60 / 20) / 0.1), RATE)
    limits = SampleLimits(max_bytes=20 * 1024 * 1024, min_seconds=10, max_seconds=300, min_speech_seconds=10)
    with pytest.raises(NotSpeech, match=TOO_QUIET):
        prepare_sample(quiet, declared_type="audio/wav", limits=limits)
