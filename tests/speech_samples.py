"""Real speech for every test that uploads a voice recording: Kokoro reading one long sentence, synthesised once per
machine and cut or repeated to the length a test asks for.

The clips are material for other tests, not a test of the engine (tests/speech does that): they are kept in
.pytest_cache/speech-clips, named by what they say, who says it and the installed model files, so the test workers
and later runs share one synthesis instead of making their own while the tests are collected.

Uploads are screened for speech (silero VAD), so synthetic tones no longer pass as a voice. The sentence has no full
stop, so the engine adds no sentence pauses and nearly all of it is voiced: any 12 s of it holds over 10 s of speech.
"""

from __future__ import annotations

import fcntl
import hashlib
from functools import cache
from pathlib import Path

import numpy as np

from resonance.core.config import get_settings
from resonance.speech import audio
from resonance.speech.engine import EngineVoice
from resonance.speech.install import VOICES_FILE
from resonance.speech.kokoro import SAMPLE_RATE, KokoroEngine

VOICE = "am_michael"
SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs back home across the field."
TEXT = ("Every evening the old keeper climbed the winding stairs of the lighthouse and lit the great lamp so that the "
        "fishing boats out on the dark water could find their way safely back to the harbour, and every morning he "
        "walked along the rocky shore to count the gulls and listen to the waves breaking on the stones below.")


CACHE = Path(__file__).resolve().parents[1] / ".pytest_cache" / "speech-clips"


def spoken(text: str, voice: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """`text` spoken by the stock voice `voice`, mono float32 at `rate` (default the engine's): synthesised once per
    machine (a lock file makes concurrent workers wait for the first)."""
    models = get_settings().SPEECH_MODELS_DIR
    installed = [(path.name, path.stat().st_size) for path in sorted(models.glob("*.onnx")) + [models / VOICES_FILE]]
    name = hashlib.sha256(repr((text, voice, installed)).encode()).hexdigest()[:20]
    path = CACHE / f"{name}.npy"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            chunks = list(KokoroEngine().synthesize(text, EngineVoice("", voice)))
            np.save(CACHE / f"{name}.tmp.npy", audio.concat([chunk.samples for chunk in chunks], SAMPLE_RATE))
            (CACHE / f"{name}.tmp.npy").replace(path)
    samples = np.load(path)
    return samples if rate == SAMPLE_RATE else audio.resample(samples, SAMPLE_RATE, rate)


@cache
def _clip(rate: int) -> np.ndarray:
    """The sentence as mono float32 at `rate`, its peak at 1.0."""
    if rate == SAMPLE_RATE:
        samples = spoken(TEXT, VOICE)
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
    return spoken(SENTENCE, voice, rate)
