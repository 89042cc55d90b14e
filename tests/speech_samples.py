"""Real speech for every test that uploads a voice recording: Kokoro reading one long sentence, synthesised once per
test session and cut or repeated to the length a test asks for.

Uploads are screened for speech (silero VAD), so synthetic tones no longer pass as a voice. The sentence has no full
stop, so the engine adds no sentence pauses and nearly all of it is voiced: any 12 s of it holds over 10 s of speech.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from resonance.speech import audio
from resonance.speech.engine import EngineVoice
from resonance.speech.kokoro import SAMPLE_RATE, KokoroEngine

VOICE = "am_michael"
SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs back home across the field."
TEXT = ("Every evening the old keeper climbed the winding stairs of the lighthouse and lit the great lamp so that the "
        "fishing boats out on the dark water could find their way safely back to the harbour, and every morning he "
        "walked along the rocky shore to count the gulls and listen to the waves breaking on the stones below.")


@cache
def _clip(rate: int) -> np.ndarray:
    """The sentence as mono float32 at `rate`, its peak at 1.0."""
    if rate == SAMPLE_RATE:
        chunks = list(KokoroEngine().synthesize(TEXT, EngineVoice("", VOICE)))
        samples = audio.concat([chunk.samples for chunk in chunks], SAMPLE_RATE)
    else:
        samples = audio.resample(_clip(SAMPLE_RATE), SAMPLE_RATE, rate)
    return (samples / np.max(np.abs(samples))).astype(np.float32)


def speech(seconds: float, rate: int = 16_000, *, channels: int = 1, peak: float = 0.5) -> np.ndarray:
    """`seconds` of speech at `rate` as float32 of shape (channels, samples), its loudest sample at `peak`."""
    clip = _clip(rate)
    count = int(round(seconds * rate))
    mono = np.tile(clip, -(-count // clip.size))[:count] * np.float32(peak)
    return np.tile(mono, (channels, 1))


def speech_wav(seconds: float, rate: int = 16_000) -> bytes:
    """`seconds` of speech as a plain 16-bit mono PCM WAV file (44-byte header)."""
    return audio.to_wav(speech(seconds, rate)[0], rate)


@cache
def sentence(voice: str, rate: int = 16_000) -> np.ndarray:
    """A short sentence spoken by the stock voice `voice`, as mono float32 at `rate`."""
    chunks = list(KokoroEngine().synthesize(SENTENCE, EngineVoice("", voice)))
    return audio.resample(audio.concat([chunk.samples for chunk in chunks], SAMPLE_RATE), SAMPLE_RATE, rate)
