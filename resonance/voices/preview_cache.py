"""The built-in voices' preview samples outside storage: a cache beside the speech model, filled from the previews the
package ships or by synthesis.

The package ships the previews spoken with the pinned model files (`SHIPPED`, 16-bit FLAC, the same samples as the
16-bit WAV that is stored): a models folder whose files they fit (by size: each pinned release has its own) gets them
without synthesis; with other model files, a changed preview text or a new catalog voice, each preview missing from
the cache is synthesised once (twenty clips: minutes on a CPU). The cache itself is not checked against the model
files it sits beside: whoever replaces them empties `system-samples/` with them.

    python -m resonance.voices.preview_cache           # fill the cache (scripts/test's install step), on every core
    python -m resonance.voices.preview_cache --ship    # synthesise into SHIPPED again (after a catalog change)
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile

from resonance.core.config import get_settings
from resonance.speech import audio
from resonance.speech.engine import EngineVoice
from resonance.speech.install import MODEL_FILE, VOICES_FILE, file_sizes
from resonance.speech.kokoro import KokoroEngine
from resonance.voices.catalog import PREVIEW_TEXT, SYSTEM_VOICES, SystemVoice

SHIPPED = Path(__file__).with_name("previews")  # spoken with the model files scripts/env.sh installs
VERSION_FILE = "version.txt"


def version(models_dir: Path) -> str:
    """Changes when the preview text or the files the previews are spoken with change."""
    sizes = file_sizes(models_dir, (MODEL_FILE, VOICES_FILE))
    return hashlib.sha256(f"{PREVIEW_TEXT}|{sizes}".encode()).hexdigest()[:16]


def cached(entry: SystemVoice) -> bytes | None:
    """The preview as WAV bytes from the cache, which the shipped one fills when it fits; None when neither has it."""
    path = _cache_path(entry)
    if not path.is_file():
        wav = _shipped(entry)
        if wav is None:
            return None
        _write(path, wav)
    return path.read_bytes()


def synthesised(entry: SystemVoice) -> bytes:
    """Speak the preview with the engine and keep it in the cache."""
    chunks = list(KokoroEngine().synthesize(PREVIEW_TEXT.format(name=entry.name), EngineVoice("", entry.kokoro)))
    wav = audio.to_wav(audio.concat([c.samples for c in chunks], chunks[0].sample_rate), chunks[0].sample_rate)
    _write(_cache_path(entry), wav)
    return wav


def fill() -> int:
    """Cache every preview: shipped ones copied, the rest synthesised one process per core; returns how many were
    synthesised."""
    missing = [entry for entry in SYSTEM_VOICES if cached(entry) is None]
    if missing:
        with ProcessPoolExecutor(min(os.cpu_count() or 1, len(missing))) as pool:
            list(pool.map(synthesised, missing))
    return len(missing)


def ship() -> None:
    """Synthesise every preview into SHIPPED, with the version of the installed model files."""
    models_dir = get_settings().SPEECH_MODELS_DIR
    SHIPPED.mkdir(exist_ok=True)
    for stale in SHIPPED.glob("*.flac"):
        stale.unlink()
    for entry in SYSTEM_VOICES:
        samples, rate = audio.read_wav(synthesised(entry))
        soundfile.write(_shipped_path(entry), samples, rate, format="FLAC", subtype="PCM_16")
    (SHIPPED / VERSION_FILE).write_text(version(models_dir) + "\n")


def _cache_path(entry: SystemVoice) -> Path:
    """Kept beside the speech model (they depend only on the model and the catalog), so a fresh data folder or a test
    run copies them instead of synthesising twenty clips again."""
    return get_settings().SPEECH_MODELS_DIR / "system-samples" / f"{entry.name}-{entry.kokoro}.wav"


def _shipped_path(entry: SystemVoice) -> Path:
    return SHIPPED / f"{entry.name}-{entry.kokoro}.flac"


def _shipped(entry: SystemVoice) -> bytes | None:
    version_file, path = SHIPPED / VERSION_FILE, _shipped_path(entry)
    if not (path.is_file() and version_file.is_file()):
        return None
    if version_file.read_text().strip() != version(get_settings().SPEECH_MODELS_DIR):
        return None
    pcm, rate = soundfile.read(path, dtype="int16")
    return audio.to_wav(pcm.astype(np.float32) / 32767.0, rate)  # exactly the 16-bit samples that were shipped


def _write(path: Path, wav: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(wav)
    tmp.replace(path)  # a reader never sees half a file


if __name__ == "__main__":
    if "--ship" in sys.argv:
        ship()
        print(f"speech: {len(SYSTEM_VOICES)} built-in voice previews -> {SHIPPED}")
    elif made := fill():
        print(f"speech: {made} built-in voice preview samples -> {_cache_path(SYSTEM_VOICES[0]).parent}")
