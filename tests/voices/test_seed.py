"""Seeding the 20 built-in voices: idempotent by name, each with a stored sample and its engine sidecar."""

from __future__ import annotations

from resonance.speech import audio
from resonance.speech.engine import decode_sidecar, sidecar_key
from resonance.storage import get_storage
from resonance.voices.catalog import SYSTEM_VOICES
from resonance.voices.models import Voice
from resonance.voices.seed import seed_system_voices
from resonance.voices.voicespec import load_spec
from tests.factories import all_rows


def test_seeding_twice_gives_the_twenty_voices_once_with_samples(sqlite_db, capsys):
    seed_system_voices()
    first = {v.name: v for v in all_rows(Voice, variant="SYSTEM")}
    seed_system_voices()
    second = {v.name: v for v in all_rows(Voice, variant="SYSTEM")}
    assert len(first) == 20 and {n: v.id for n, v in first.items()} == {n: v.id for n, v in second.items()}
    output = capsys.readouterr().out
    assert output.startswith("Seeding 20 system voices...") and "- Walter" in output
    assert output.strip().endswith("System voice seed completed.")
    storage = get_storage()
    for entry in SYSTEM_VOICES:
        voice = second[entry.name]
        assert (voice.org_id, voice.category, voice.language, voice.description) == (
            None, entry.category, entry.language, entry.description)
        assert load_spec(voice) == entry.kokoro
        assert decode_sidecar(storage.get(sidecar_key(voice.object_key))) == entry.kokoro
        samples, rate = audio.read_wav(storage.get(voice.object_key))
        assert rate == 24000 and len(samples) / rate > 3
