"""Real speech for every test that uploads a voice recording: Kokoro reading one long sentence, cut or repeated to the
length a test asks for.

The clips are material for other tests, not a test of the engine (tests/speech does that). Each is named by what it
says, who says it and the installed model files. The repository ships the clips of the pinned model files
(tests/speech-clips, 16-bit FLAC), so a fresh clone synthesises none; a clip it does not ship (other model files,
a new text) is synthesised once per machine into .pytest_cache/speech-clips, which the test workers and later runs
share; `python -m tests.speech_samples --ship` adds them to the shipped ones.

Uploads are screened for speech (silero VAD), so synthetic tones no longer pass as a voice. The sentence has no full
stop, so the engine adds no sentence pauses and nearly all of it is voiced: any 12 s of it holds over 10 s of speech.
"""

from __future__ import annotations

import fcntl
import hashlib
from functools import cache
from pathlib import Path

import numpy as np
import soundfile

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
SHIPPED = Path(__file__).resolve().parent / "speech-clips"


def clip_name(text: str, voice: str) -> str:
    models = get_settings().SPEECH_MODELS_DIR
    installed = [(path.name, path.stat().st_size) for path in sorted(models.glob("*.onnx")) + [models / VOICES_FILE]]
    return hashlib.sha256(repr((text, voice, installed)).encode()).hexdigest()[:20]


def spoken(text: str, voice: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """`text` spoken by the stock voice `voice`, mono float32 at `rate` (default the engine's): the shipped clip, or
    synthesised once per machine (a lock file makes concurrent workers wait for the first)."""
    name = clip_name(text, voice)
    shipped = SHIPPED / f"{name}.flac"
    samples = _read_flac(shipped) if shipped.is_file() else _cached(name, text, voice)
    return samples if rate == SAMPLE_RATE else audio.resample(samples, SAMPLE_RATE, rate)


def _read_flac(path: Path) -> np.ndarray:
    samples, rate = soundfile.read(path, dtype="float32")
    assert rate == SAMPLE_RATE, f"{path} is at {rate} Hz"
    return samples


def _cached(name: str, text: str, voice: str) -> np.ndarray:
    path = CACHE / f"{name}.npy"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            chunks = list(KokoroEngine().synthesize(text, EngineVoice("", voice)))
            np.save(CACHE / f"{name}.tmp.npy", audio.concat([chunk.samples for chunk in chunks], SAMPLE_RATE))
            (CACHE / f"{name}.tmp.npy").replace(path)
    return np.load(path)


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


def ship() -> int:
    """Add the clips a test run synthesised (.pytest_cache's, none of them shipped) to the shipped ones, as 16-bit
    FLAC. After a change of model files, empty the shipped folder first: its clips no longer match any name."""
    SHIPPED.mkdir(parents=True, exist_ok=True)
    added = 0
    for path in CACHE.glob("*.npy"):
        if not path.stem.endswith(".tmp") and not (SHIPPED / f"{path.stem}.flac").exists():
            soundfile.write(SHIPPED / f"{path.stem}.flac", np.load(path), SAMPLE_RATE, format="FLAC", subtype="PCM_16")
            added += 1
    return added


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--ship"]:
        sys.exit("usage: python -m tests.speech_samples --ship   (after a test run synthesised clips)")
    print(f"{ship()} clips added to {SHIPPED}")
