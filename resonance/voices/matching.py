"""Voice matching: find the default engine's voice closest to a recording. It is *matching*, not cloning — Kokoro
cannot speak from a sample — and the UI says so.

Method (offline-toolchain §4.1, with the d-vector embedder): embed the recording; rank the 28 stock voices by the
similarity of their (cached) embeddings; try the best one and blends of the best four (softmax weights at a few
temperatures, plus random mixes); keep the candidate whose synthesised speech is closest to the recording.
Runs as a background job with progress on the Voice row.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np

from resonance.core.config import get_settings
from resonance.core.failures import report
from resonance.jobs import rows
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import EngineVoice, encode_sidecar, sidecar_key
from resonance.speech.kokoro import STOCK_VOICES, KokoroEngine
from resonance.storage import get_storage
from resonance.voices.likeness.dvector import embed, similarity
from resonance.voices.models import Voice
from resonance.voices.voicespec import dump_spec

log = logging.getLogger("resonance.voices.matching")

PROBE_TEXT = "The quick brown fox jumps over the lazy dog, and then it rests in the warm afternoon sun."
TOP = 4
TEMPERATURES = (0.01, 0.03, 0.1)


def _speak(engine: KokoroEngine, spec) -> np.ndarray:
    chunks = list(engine.synthesize(PROBE_TEXT, EngineVoice("", spec)))
    return audio.resample(audio.concat([c.samples for c in chunks], chunks[0].sample_rate), chunks[0].sample_rate, 16000)


@lru_cache
def stock_embeddings() -> dict[str, np.ndarray]:
    """Embeddings of every stock voice, cached on disk (computing them takes about a minute on 2 cores)."""
    # Beside the model it is derived from, so set-up and every test run share it.
    path = get_settings().SPEECH_MODELS_DIR / "stock_voice_embeddings.npz"
    if path.exists():
        with np.load(path) as saved:
            if set(saved.files) == {v.name for v in STOCK_VOICES}:
                return {name: saved[name] for name in saved.files}
    engine = KokoroEngine()
    vectors = {v.name: embed(_speak(engine, v.name)) for v in STOCK_VOICES}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **vectors)
    return vectors


def candidates(ranked: list[tuple[str, float]], count: int, seed: int = 7) -> list[dict[str, float]]:
    """The best single voice, then blends of the top four: softmax over their similarities, then random mixes."""
    top = ranked[:TOP]
    names = [name for name, _ in top]
    scores = np.array([score for _, score in top])
    found: list[dict[str, float]] = [{names[0]: 1.0}]
    for temperature in TEMPERATURES:
        weights = np.exp((scores - scores.max()) / temperature)
        found.append(_rounded(names, weights / weights.sum()))
    rng = np.random.default_rng(seed)
    unique: list[dict[str, float]] = []
    for blend in found:
        if blend not in unique:
            unique.append(blend)
    for _ in range(100):  # random mixes until there are enough distinct ones
        if len(unique) >= count:
            break
        blend = _rounded(names, rng.dirichlet([0.7] * len(names)))
        if blend not in unique:
            unique.append(blend)
    return unique[:count]


def _rounded(names: list[str], weights: np.ndarray) -> dict[str, float]:
    kept = {n: round(float(w), 3) for n, w in zip(names, weights, strict=True) if w >= 0.02}
    total = sum(kept.values())
    return {n: round(w / total, 3) for n, w in kept.items()}


def match(samples_16k: np.ndarray, *, on_progress=lambda fraction: None) -> tuple[dict[str, float], float]:
    """The blend closest to the recording and its similarity (0..1)."""
    target = embed(samples_16k)
    on_progress(0.05)
    ranked = sorted(((name, similarity(target, vector)) for name, vector in stock_embeddings().items()),
                    key=lambda item: item[1], reverse=True)
    tries = candidates(ranked, max(1, get_settings().MATCH_CANDIDATES))
    engine, best, best_score = KokoroEngine(), tries[0], -1.0
    for index, blend in enumerate(tries):
        score = similarity(target, embed(_speak(engine, blend)))
        if score > best_score:
            best, best_score = blend, score
        on_progress(0.1 + 0.9 * (index + 1) / len(tries))
    return best, max(0.0, best_score)


def run_match(voice_id: str) -> None:
    with system_session() as session:
        voice = session.get(Voice, voice_id)
        if voice is None or voice.object_key is None:
            return
        voice.match_status, voice.match_progress, voice.match_error = rows.RUNNING, 0.0, ""
        session.add(voice)
        key = voice.object_key
    try:
        samples, rate = audio.read_wav(get_storage().get(key))
        blend, score = match(audio.resample(samples, rate, 16000), on_progress=lambda f: _progress(voice_id, f))
        get_storage().put(sidecar_key(key), encode_sidecar(blend), "application/json")
        with system_session() as session:
            voice = session.get(Voice, voice_id)
            if voice is not None:
                voice.engine_voice, voice.similarity = dump_spec(blend), round(score, 3)
                voice.match_status, voice.match_progress = rows.DONE, 1.0
                session.add(voice)
    except Exception as error:  # noqa: BLE001 - recorded on the voice for the person to see
        # The voice shows a stable message and a reference; the detail (storage key included) goes to the log.
        message = report(log, error, "Voice matching failed.", "matching voice %s failed", voice_id)
        with system_session() as session:
            voice = session.get(Voice, voice_id)
            if voice is not None:
                voice.match_status, voice.match_error = rows.FAILED, message[:500]
                session.add(voice)


def _progress(voice_id: str, fraction: float) -> None:
    with system_session() as session:
        voice = session.get(Voice, voice_id)
        if voice is not None:
            voice.match_progress = round(fraction, 3)
            session.add(voice)


MATCH_JOBS = rows.status_kind("voice matching", Voice, "match_status", run_match)

__all__ = ["MATCH_JOBS", "match", "run_match"]
