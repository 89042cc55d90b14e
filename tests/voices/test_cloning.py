"""Adding a custom voice from a recording: both versions stored with the row, or nothing at all."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.core.errors import Invalid
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.voices import cloning
from resonance.voices.likeness.screening import SILENT
from resonance.voices.models import Voice
from resonance.voices.service import VoiceFields
from tests.factories import all_rows
from tests.speech_samples import speech_wav

FIELDS = VoiceFields(name="Studio Ada", category="PODCAST", language="en-GB", description="Warm")


def stored_keys() -> list[str]:
    root = get_storage().root if hasattr(get_storage(), "root") else None
    return sorted(str(p.relative_to(root)) for p in root.rglob(".data")) if root and root.exists() else []


def test_a_valid_sample_creates_a_queued_voice_with_original_and_normalised_audio(team):
    org, _, member = team
    upload = speech_wav(12.0, 16000)
    created = cloning.create_custom_voice(actor=member, fields=FIELDS, data=upload, declared_type="audio/wav")
    [row] = all_rows(Voice, id=created.id)
    assert (row.org_id, row.variant, row.created_by, row.match_status) == (org.id, "CUSTOM", member.user_id, "queued")
    assert row.object_key == f"voices/orgs/{org.id}/{row.id}" and row.original_key == row.object_key + ".original"
    assert abs(row.duration_s - 12.0) < 0.2
    storage = get_storage()
    assert storage.get(row.original_key) == upload
    samples, rate = audio.read_wav(storage.get(row.object_key))
    assert rate == 24000 and abs(len(samples) / rate - 12.0) < 0.2


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Please upload an audio file"),
    (b"just some text, renamed to .wav", "File is not a valid audio file"),
    (speech_wav(9.9), "Audio too short (9.9s). Minimum duration is 10 seconds."),
    (audio.to_wav(np.zeros(12 * 16000, np.float32), 16000), SILENT),
])
def test_a_bad_sample_leaves_no_row_and_no_file(team, data, message):
    _, admin, _ = team
    before = stored_keys()
    with pytest.raises(Invalid) as error:
        cloning.create_custom_voice(actor=admin, fields=FIELDS, data=data, declared_type="audio/wav")
    assert str(error.value) == message
    assert all_rows(Voice) == [] and stored_keys() == before


def test_a_storage_failure_midway_removes_what_was_written(team, monkeypatch):
    _, admin, _ = team
    storage = get_storage()
    real_put = storage.put
    calls = []

    def failing_put(key, data, content_type):
        calls.append(key)
        if len(calls) == 2:
            raise OSError("disk full")
        real_put(key, data, content_type)

    monkeypatch.setattr(storage, "put", failing_put)
    with pytest.raises(OSError):
        cloning.create_custom_voice(actor=admin, fields=FIELDS, data=speech_wav(12.0), declared_type="audio/wav")
    assert all_rows(Voice) == []
    assert not storage.exists(calls[0])
