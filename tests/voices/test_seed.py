"""Seeding the 20 built-in voices: idempotent by name, each with a stored sample and its engine sidecar; on a first
run the rows at once and the samples afterwards."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
import soundfile

from resonance.core.config import get_settings
from resonance.generations.service import VoiceUnavailable, speakable
from resonance.orgs.scope import tenant_session
from resonance.speech import audio
from resonance.speech.engine import decode_sidecar, sidecar_key
from resonance.speech.install import MODEL_FILE, VOICES_FILE
from resonance.speech.kokoro import CAPABILITIES as KOKORO
from resonance.storage import get_storage
from resonance.ui.states.voices import VoicesState
from resonance.voices import preview_cache, seed
from resonance.voices.catalog import SYSTEM_VOICES
from resonance.voices.models import Voice
from resonance.voices.seed import seed_system_voices
from resonance.voices.service import list_voices
from resonance.voices.voicespec import load_spec
from tests.factories import all_rows, make_org, make_user, signed_in
from tests.ui.states.events import fire, state_for


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


def test_a_first_run_lists_the_voices_at_once_and_makes_their_previews_afterwards(sqlite_db, configure, tmp_path,
                                                                                    monkeypatch):
    """Without cached samples, and model files other than the package's previews were spoken with, the seed writes
    rows only; the voices are listed and Kokoro speaks them; the app's warm-up then stores each preview, and the cache
    it leaves makes the next seed instant. (Two of the voices: each preview is a real synthesis.)"""
    monkeypatch.setattr(seed, "SYSTEM_VOICES", SYSTEM_VOICES[:2])
    monkeypatch.setattr(preview_cache, "SHIPPED", tmp_path / "no-previews")
    configure(SPEECH_MODELS_DIR=str(_fresh_models(tmp_path)))
    assert seed.seed_system_voices(synthesise=False) == 0
    pending = all_rows(Voice, variant="SYSTEM")
    assert len(pending) == 2 and all(v.object_key is None for v in pending)
    admin = make_user()
    org = make_org(admin=admin)
    with tenant_session(org.id) as session:
        listed = list_voices(session=session).system
        speakable(listed[0], KOKORO)  # the engine needs no sample
        with pytest.raises(VoiceUnavailable, match="still being prepared"):
            speakable(listed[0], replace(KOKORO, clones=True))  # a cloning engine does
    library = state_for(VoicesState, signed_in(admin, org)[1], path="/voices")
    fire(library, "load")
    assert len(library.builtin) == 2 and not any(v.preview_ready for v in library.builtin)
    assert library.waiting  # the page ticks until the previews are in

    assert seed.make_missing_samples() == 2
    ready = all_rows(Voice, variant="SYSTEM")
    assert all(v.object_key and get_storage().exists(v.object_key) for v in ready)
    fire(library, "tick")
    assert all(v.preview_ready for v in library.builtin) and not library.waiting
    assert seed.make_missing_samples() == 0  # nothing left to make

    for voice in ready:  # a new data folder: the cache beside the model fills it without synthesis
        get_storage().delete(voice.object_key)
    assert seed.seed_system_voices(synthesise=False) == 2


def test_with_the_pinned_model_files_a_first_run_stores_the_shipped_previews_at_once(sqlite_db, configure, tmp_path):
    """A fresh models folder (no cache yet) with the model files scripts/env.sh installs: every preview comes from
    the package, so the seed stores all twenty without synthesising one; they are the 16-bit samples that were
    shipped, in WAV."""
    configure(SPEECH_MODELS_DIR=str(_fresh_models(tmp_path)))
    assert seed.seed_system_voices(synthesise=False) == len(SYSTEM_VOICES)
    for voice in all_rows(Voice, variant="SYSTEM"):
        entry = next(e for e in SYSTEM_VOICES if e.name == voice.name)
        stored, rate = soundfile.read(io.BytesIO(get_storage().get(voice.object_key)), dtype="int16")
        shipped, _ = soundfile.read(preview_cache.SHIPPED / f"{entry.name}-{entry.kokoro}.flac", dtype="int16")
        assert rate == 24000 and len(stored) / rate > 3 and np.array_equal(stored, shipped)


def _fresh_models(tmp_path):
    """A models folder with the installed model files (links) and no preview cache."""
    models, fresh = get_settings().SPEECH_MODELS_DIR, tmp_path / "models"
    fresh.mkdir()
    for name in (MODEL_FILE, VOICES_FILE):
        (fresh / name).symlink_to(models / name)
    return fresh
