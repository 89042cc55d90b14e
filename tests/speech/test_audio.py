"""Audio helpers: loudness, resampling, WAV and MP3."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.speech import audio

RATE = 24_000


def tone(seconds: float, amplitude: float, freq: float = 220.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_normalize_brings_quiet_and_loud_speech_to_the_target():
    for amplitude in (0.01, 0.9):
        # a voiced second and a pause: the pause must not count towards loudness
        signal = np.concatenate([tone(1, amplitude), np.zeros(RATE, np.float32)])
        out = audio.normalize(signal, RATE)
        assert audio.loudness_dbfs(out, RATE) == pytest.approx(audio.TARGET_DBFS, abs=0.2)
        assert np.max(np.abs(out)) <= 10 ** (audio.PEAK_DBFS / 20) + 1e-6


def test_normalize_never_clips_a_peaky_signal():
    signal = tone(1, 0.02)
    signal[100] = 0.9  # one click: reaching -20 dBFS RMS would push it past the ceiling
    out = audio.normalize(signal, RATE)
    assert np.max(np.abs(out)) == pytest.approx(10 ** (audio.PEAK_DBFS / 20), rel=1e-3)


def test_normalize_leaves_silence_alone():
    assert not audio.normalize(np.zeros(1000, np.float32), RATE).any()
    assert audio.normalize(np.zeros(0, np.float32), RATE).size == 0


def test_wav_round_trip_is_16_bit_mono():
    signal = tone(0.5, 0.5)
    data = audio.to_wav(signal, RATE)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert len(data) == 44 + 2 * len(signal)
    back, rate = audio.read_wav(data)
    assert rate == RATE and np.max(np.abs(back - signal)) < 1e-4
    assert audio.wav_duration(data) == pytest.approx(0.5)


def test_read_wav_refuses_other_bytes():
    with pytest.raises(ValueError):
        audio.read_wav(b"not audio at all")


def test_concat_adds_gaps_between_parts():
    out = audio.concat([np.ones(10, np.float32), np.ones(5, np.float32)], 100, gap_seconds=0.1)
    assert out.tolist() == [1.0] * 10 + [0.0] * 10 + [1.0] * 5


def test_resample_keeps_pitch_and_duration():
    signal = tone(1, 0.5, freq=440)
    out = audio.resample(signal, RATE, 16_000)
    assert len(out) == 16_000
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) == pytest.approx(440, abs=1)


def test_mp3_encoding():
    assert audio.mp3_available()
    data = audio.wav_to_mp3(audio.to_wav(tone(1, 0.5), RATE))
    assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    assert 10_000 < len(data) < 40_000  # ~1 s at 128 kbit/s
