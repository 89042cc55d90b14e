"""Seed the 20 system voices (idempotent, by name): each gets its engine voice and a reference sample spoken by it,
stored for previews and for cloning engines. Part of set-up: `python -m resonance.voices.seed [--samples]`;
`--cache-samples` only fills the cache beside the speech model, on every core (the test command's install step, so
the apps the tests start find every sample there).

The rows come first and at once. A sample is copied from the cache beside the speech model when it is there; the
others are synthesised by `make_missing_samples`, which the app runs in the background at start (voices/warmup.py),
so a first run serves its first page without waiting for twenty clips. Until then a voice speaks (Kokoro needs no
sample) and its card says the preview is being prepared."""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from sqlmodel import Session, select

import resonance.models  # noqa: F401  (every table, so foreign keys resolve)

from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import EngineVoice, encode_sidecar, sidecar_key
from resonance.speech.kokoro import KokoroEngine
from resonance.storage import get_storage
from resonance.storage.base import Storage
from resonance.voices import keys
from resonance.voices.catalog import PREVIEW_TEXT, SYSTEM_VOICES, SystemVoice
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.voicespec import dump_spec

log = logging.getLogger("resonance.voices.seed")


def seed_system_voices(*, synthesise: bool = True, regenerate: bool = False) -> int:
    """Create or update the system voices and store the samples storage lacks: cached ones always, the rest only
    when `synthesise`. Returns how many samples were stored."""
    print(f"Seeding {len(SYSTEM_VOICES)} system voices...", flush=True)
    storage, made, pending = get_storage(), 0, 0
    for entry in SYSTEM_VOICES:
        print(f"- {entry.name}", flush=True)
        with system_session() as session:
            voice = _row(session, entry)
            outcome = _sample(voice, entry, storage, synthesise=synthesise, regenerate=regenerate)
            session.add(voice)
        made += outcome == "stored"
        pending += outcome == "pending"
    if pending:
        print(f"{pending} preview samples are made in the background once the app runs.", flush=True)
    print("System voice seed completed.", flush=True)
    return made


def make_missing_samples() -> int:
    """Synthesise and store every system voice's missing sample, one voice at a time (each committed on its own,
    so previews appear as they finish). Safe to run in several processes: they store the same bytes."""
    storage, made = get_storage(), 0
    for entry in SYSTEM_VOICES:
        with system_session() as session:
            voice = session.exec(_by_name(entry)).first()
            if voice is None:
                continue  # not seeded yet: the seed makes it
            if _sample(voice, entry, storage, synthesise=True, regenerate=False) == "stored":
                session.add(voice)
                made += 1
    return made


def _by_name(entry: SystemVoice):
    return select(Voice).where(Voice.name == entry.name, Voice.variant == VoiceVariant.SYSTEM)


def _row(session: Session, entry: SystemVoice) -> Voice:
    voice = session.exec(_by_name(entry)).first() or Voice(name=entry.name, variant=VoiceVariant.SYSTEM)
    voice.category, voice.language, voice.description = entry.category, entry.language, entry.description
    voice.engine_voice, voice.match_status, voice.updated_at = dump_spec(entry.kokoro), "done", clock.now()
    return voice


def _sample(voice: Voice, entry: SystemVoice, storage: Storage, *, synthesise: bool, regenerate: bool) -> str:
    """Give `voice` its stored sample: 'kept' (already there), 'stored', or 'pending' (left for later)."""
    key = keys.system_sample(voice.id)
    if not regenerate and voice.object_key == key and storage.exists(key):
        return "kept"
    wav = None if regenerate else _cached(entry)
    if wav is None and synthesise:
        wav = _synthesised(entry)
    if wav is None:
        voice.object_key = None  # shown as "preparing preview"; Kokoro speaks it all the same
        return "pending"
    storage.put(key, wav, "audio/wav")
    storage.put(sidecar_key(key), encode_sidecar(entry.kokoro), "application/json")
    voice.object_key, voice.duration_s = key, round(audio.wav_duration(wav), 2)
    return "stored"


def _cache_path(entry: SystemVoice):
    """Samples are kept beside the speech model as well (they depend only on the model and the catalog), so a fresh
    data folder or a test run copies them instead of synthesising twenty clips again."""
    return get_settings().SPEECH_MODELS_DIR / "system-samples" / f"{entry.name}-{entry.kokoro}.wav"


def _cached(entry: SystemVoice) -> bytes | None:
    path = _cache_path(entry)
    return path.read_bytes() if path.is_file() else None


def _synthesised(entry: SystemVoice) -> bytes:
    chunks = list(KokoroEngine().synthesize(PREVIEW_TEXT.format(name=entry.name), EngineVoice("", entry.kokoro)))
    wav = audio.to_wav(audio.concat([c.samples for c in chunks], chunks[0].sample_rate), chunks[0].sample_rate)
    path = _cache_path(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(wav)
    tmp.replace(path)  # a reader never sees half a file
    return wav


def cache_samples() -> int:
    """Synthesise every sample missing from the cache, one process per core; returns how many were made."""
    missing = [entry for entry in SYSTEM_VOICES if not _cache_path(entry).is_file()]
    if missing:
        with ProcessPoolExecutor(min(os.cpu_count() or 1, len(missing))) as pool:
            list(pool.map(_synthesised, missing))
    return len(missing)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    if "--cache-samples" in sys.argv:
        if made := cache_samples():
            print(f"speech: {made} built-in voice preview samples -> {_cache_path(SYSTEM_VOICES[0]).parent}")
        sys.exit(0)
    seed_system_voices(synthesise="--samples" in sys.argv or "--regenerate" in sys.argv,
                       regenerate="--regenerate" in sys.argv)
