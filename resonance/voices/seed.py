"""Seed the 20 system voices (idempotent, by name): each gets its engine voice and a reference sample spoken by it,
stored for previews and for cloning engines. Part of set-up: `python -m resonance.voices.seed [--samples]`.

The rows come first and at once. A sample comes from the preview cache beside the speech model, which the previews
the package ships fill (voices/preview_cache.py); with other model files the samples are synthesised by
`make_missing_samples`, which the app runs in the background at start (voices/warmup.py), so a first run serves its
first page without waiting for twenty clips. Until then a voice speaks (Kokoro needs no sample) and its card says the
preview is being prepared."""

from __future__ import annotations

import logging
import sys

from sqlmodel import Session, select

import resonance.models  # noqa: F401  (every table, so foreign keys resolve)

from resonance.core.clock import clock
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import encode_sidecar, sidecar_key
from resonance.storage import get_storage
from resonance.storage.base import Storage
from resonance.voices import keys, preview_cache
from resonance.voices.catalog import SYSTEM_VOICES, SystemVoice
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
    wav = None if regenerate else preview_cache.cached(entry)
    if wav is None and synthesise:
        wav = preview_cache.synthesised(entry)
    if wav is None:
        voice.object_key = None  # shown as "preparing preview"; Kokoro speaks it all the same
        return "pending"
    storage.put(key, wav, "audio/wav")
    storage.put(sidecar_key(key), encode_sidecar(entry.kokoro), "application/json")
    voice.object_key, voice.duration_s = key, round(audio.wav_duration(wav), 2)
    return "stored"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    seed_system_voices(synthesise="--samples" in sys.argv or "--regenerate" in sys.argv,
                       regenerate="--regenerate" in sys.argv)
