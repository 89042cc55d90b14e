"""Seed the 20 system voices (idempotent, by name): each gets its engine voice and a reference sample spoken by it,
stored for previews and for cloning engines. Part of set-up: `python -m resonance.voices.seed`."""

from __future__ import annotations

import logging
import sys

from sqlmodel import select

import resonance.models  # noqa: F401  (every table, so foreign keys resolve)

from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import EngineVoice, encode_sidecar, sidecar_key
from resonance.speech.kokoro import KokoroEngine
from resonance.storage import get_storage
from resonance.voices import keys
from resonance.voices.catalog import PREVIEW_TEXT, SYSTEM_VOICES
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.voicespec import dump_spec

log = logging.getLogger("resonance.voices.seed")


def seed_system_voices(*, regenerate: bool = False) -> int:
    """Create or update the system voices; synthesise a sample only where storage lacks one. Returns how many
    samples were made."""
    print(f"Seeding {len(SYSTEM_VOICES)} system voices...", flush=True)
    storage, made = get_storage(), 0
    for entry in SYSTEM_VOICES:
        print(f"- {entry.name}", flush=True)
        with system_session() as session:
            voice = session.exec(
                select(Voice).where(Voice.name == entry.name, Voice.variant == VoiceVariant.SYSTEM)
            ).first() or Voice(name=entry.name, variant=VoiceVariant.SYSTEM)
            voice.category, voice.language, voice.description = entry.category, entry.language, entry.description
            voice.engine_voice, voice.match_status, voice.updated_at = dump_spec(entry.kokoro), "done", clock.now()
            key = keys.system_sample(voice.id)
            if regenerate or not storage.exists(key):
                wav = _sample(entry, regenerate=regenerate)
                storage.put(key, wav, "audio/wav")
                voice.duration_s = round(audio.wav_duration(wav), 2)
                made += 1
            storage.put(sidecar_key(key), encode_sidecar(entry.kokoro), "application/json")
            voice.object_key = key
            session.add(voice)
    print("System voice seed completed.", flush=True)
    return made


def _sample(entry, *, regenerate: bool) -> bytes:
    """The voice's preview sample. Kept beside the speech model as well (it depends only on the model and the
    catalog), so a fresh data folder or a test run copies it instead of synthesising twenty clips again."""
    cached = get_settings().SPEECH_MODELS_DIR / "system-samples" / f"{entry.name}-{entry.kokoro}.wav"
    if cached.exists() and not regenerate:
        return cached.read_bytes()
    chunks = list(KokoroEngine().synthesize(PREVIEW_TEXT.format(name=entry.name), EngineVoice("", entry.kokoro)))
    wav = audio.to_wav(audio.concat([c.samples for c in chunks], chunks[0].sample_rate), chunks[0].sample_rate)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(wav)
    return wav


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    seed_system_voices(regenerate="--regenerate" in sys.argv)
