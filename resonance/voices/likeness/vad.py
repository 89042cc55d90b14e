"""Voice-activity detection with silero VAD, the ONNX model that ships inside faster-whisper.

faster-whisper's defaults (400 ms padding, segments merged across up to 2 s of silence) keep whole phrases together
for transcription, so they count pauses as speech. Here the question is how much of a recording is someone talking,
so segments get little padding and are split at short pauses; word gaps inside fluent speech stay within a segment.
"""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

RATE = 16_000
OPTIONS = VadOptions(
    threshold=0.5,
    min_speech_duration_ms=100,  # a click or a cough is not speech
    min_silence_duration_ms=150,  # longer than the gaps between words, shorter than a breath between phrases
    speech_pad_ms=30,  # just the onsets and tails the model's 32 ms windows cut off
)


def speech_segments(samples_16k: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) sample indices of the voiced parts of mono float32 audio at 16 kHz, in order."""
    samples = np.ascontiguousarray(samples_16k, dtype=np.float32)
    if samples.size == 0:
        return []
    return [(int(s["start"]), int(s["end"])) for s in get_speech_timestamps(samples, OPTIONS, sampling_rate=RATE)]


def speech_only(samples_16k: np.ndarray) -> np.ndarray:
    """The voiced parts joined end to end (empty when nobody speaks)."""
    segments = speech_segments(samples_16k)
    if not segments:
        return np.zeros(0, np.float32)
    samples = np.asarray(samples_16k, np.float32)
    return np.concatenate([samples[start:end] for start, end in segments])


def speech_seconds(samples_16k: np.ndarray) -> float:
    """Seconds of voiced speech, pauses, silence, music and noise left out."""
    return sum(end - start for start, end in speech_segments(samples_16k)) / RATE
