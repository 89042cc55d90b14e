"""Speech fixtures: the real Kokoro engine and the Whisper oracle (resonance.voices.likeness.intelligibility, loaded
once per process), shared storage on local disk, and our speech service on a loopback port.

The check is the letter-level character error rate after normalisation (offline-toolchain.md §6).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from resonance.speech import audio
from resonance.speech.engine import EngineVoice, encode_sidecar, sidecar_key
from resonance.speech.kokoro import KokoroEngine
from resonance.speech.kokoro_model import load_model
from resonance.voices.likeness import intelligibility
from tests.servers import free_port

API_KEY = "speech-test-key-0123456789"


# Engines and the oracle


@pytest.fixture(scope="session")
def kokoro() -> KokoroEngine:
    load_model()
    return KokoroEngine()


@pytest.fixture(scope="session")
def transcribe():
    """`transcribe(samples, sample_rate) -> text`."""

    def run(samples: np.ndarray, sample_rate: int) -> str:
        return intelligibility.transcribe(audio.resample(samples, sample_rate, 16_000))

    return run


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
