"""The F0 tracker: tones of known pitch, a glide of known range, and Kokoro's male and female voices."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.voices.likeness.pitch import PitchFigures, f0_track, pitch_figures
from tests.speech_samples import sentence

RATE = 16_000


def harmonic_tone(f0_hz: np.ndarray | float, seconds: float = 3.0) -> np.ndarray:
    """Ten harmonics with falling amplitudes and fixed random phases, like a voiced vowel (F0 may vary over time)."""
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(f0_hz, t.shape)) / RATE
    offsets = np.random.default_rng(1).uniform(0, 2 * np.pi, 10)
    tone = sum(np.sin(k * phase + offsets[k - 1]) / k for k in range(1, 11))
    return (0.3 * tone / np.max(np.abs(tone))).astype(np.float32)


@pytest.mark.parametrize("f0", [55.0, 98.0, 130.0, 210.0, 330.0, 480.0])
def test_a_harmonic_tone_gives_its_pitch(f0):
    figures = pitch_figures(harmonic_tone(f0))
    assert figures.median_hz == pytest.approx(f0, rel=0.01)
    assert figures.spread_semitones < 0.1


def test_the_spread_is_the_interquartile_range_in_semitones():
    seconds = 4.0
    t = np.arange(int(seconds * RATE)) / RATE
    glide = 110.0 * 2 ** (t / seconds)  # one octave, evenly in semitones: its middle half spans 6 semitones
    figures = pitch_figures(harmonic_tone(glide, seconds))
    assert figures.median_hz == pytest.approx(110.0 * 2**0.5, rel=0.02)
    assert figures.spread_semitones == pytest.approx(6.0, abs=0.3)


def test_noise_and_silence_have_no_voiced_frames():
    noise = 0.1 * np.random.default_rng(0).standard_normal(3 * RATE).astype(np.float32)
    assert f0_track(noise).size < 3  # of 300 frames
    assert pitch_figures(np.zeros(3 * RATE, np.float32)) == PitchFigures(0.0, 0.0)
    assert pitch_figures(np.zeros(100, np.float32)) == PitchFigures(0.0, 0.0)


def test_kokoros_male_voice_speaks_clearly_lower_than_its_female_one():
    male, female = pitch_figures(sentence("am_michael")), pitch_figures(sentence("af_heart"))
    assert 70 < male.median_hz < 160 and 150 < female.median_hz < 300
    assert 12 * np.log2(female.median_hz / male.median_hz) > 5  # semitones apart
    assert 1.0 < male.spread_semitones < 8.0 and 1.0 < female.spread_semitones < 8.0  # intonation, not a drone
