"""The storage sweeper on local storage: orphans reported, then removed with delete; files of work in progress and
anything younger than the grace period left alone; finished generations whose audio is gone marked failed."""

from __future__ import annotations


import numpy as np
import pytest

from resonance.generations import files
from resonance.generations.models import Generation
from resonance.ops import sweep
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.voices import keys
from tests.factories import get, make_generation, make_org, make_voice
from tests.generations.conftest import ready_voice

WAV = audio.to_wav(np.full(800, 0.1, np.float32), 8000)
LATER = {"hours": 2}  # past the default grace period of an hour


@pytest.fixture
def org(data_dir):
    return make_org()


def _set(generation_id: str, **values) -> Generation:
    with system_session() as session:
        row = session.get(Generation, generation_id)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    return get(Generation, generation_id)


def test_an_orphan_is_reported_then_removed_with_delete(org, clock):
    voice = make_voice(org)
    sample = keys.custom_sample(org.id, voice.id)
    with system_session() as session:
        row = session.get(type(voice), voice.id)
        row.object_key = sample
        session.add(row)
    storage = get_storage()
    storage.put(sample, WAV, "audio/wav")
    orphan = keys.custom_sample(org.id, "voi_deleted_long_ago")
    storage.put(orphan, WAV, "audio/wav")
    clock.advance(**LATER)

    report = sweep.sweep()
    assert report.orphans == [orphan] and report.deleted == 0
    assert storage.exists(orphan)

    report = sweep.sweep(delete=True)
    assert report.orphans == [orphan] and report.deleted == 1
    assert not storage.exists(orphan) and storage.exists(sample)
    assert sweep.sweep().orphans == []


def test_files_of_work_in_progress_and_young_files_are_left_alone(org, clock):
    generation = make_generation(org, ready_voice(org))
    generation = _set(generation.id, status="running")
    storage = get_storage()
    chunk = files.chunk_key(generation, 0)
    storage.put(chunk, WAV, "audio/wav")  # the running job's first chunk: no row names it yet
    young = files.audio_key(org.id, "gen_just_being_written")
    storage.put(young, WAV, "audio/wav")

    report = sweep.sweep(delete=True)
    assert report.orphans == [] and storage.exists(young)  # younger than the grace period
    clock.advance(**LATER)
    report = sweep.sweep(delete=True)
    assert report.orphans == [young]
    assert storage.exists(chunk) and not storage.exists(young)


def test_a_finished_generation_whose_audio_is_gone_is_reported_then_marked_failed(org, clock):
    generation = make_generation(org, ready_voice(org))
    key = files.audio_key(org.id, generation.id)
    _set(generation.id, status="done", object_key=key, finished_at=clock.now())
    kept = make_generation(org, ready_voice(org, name="Kept"))
    kept_key = files.audio_key(org.id, kept.id)
    _set(kept.id, status="done", object_key=kept_key, finished_at=clock.now())
    get_storage().put(kept_key, WAV, "audio/wav")

    assert sweep.sweep().missing_audio == []  # just finished: within the grace period
    clock.advance(**LATER)
    report = sweep.sweep()
    assert report.missing_audio == [generation.id]
    assert get(Generation, generation.id).status == "done"  # a dry run changes nothing

    report = sweep.sweep(delete=True)
    assert report.marked_failed == 1
    row = get(Generation, generation.id)
    assert (row.status, row.error, row.object_key) == ("failed", sweep.MISSING_AUDIO, None)
    assert get(Generation, kept.id).status == "done"


def test_a_voice_whose_sample_is_gone_is_reported_only(org, clock):
    voice = ready_voice(org)  # names a sample that was never stored
    clock.advance(**LATER)
    report = sweep.sweep(delete=True)
    assert voice.id in report.missing_samples
    assert get(type(voice), voice.id) is not None


def test_the_command_line_is_a_dry_run_by_default(org, clock, capsys):
    orphan = files.audio_key(org.id, "gen_gone")
    get_storage().put(orphan, WAV, "audio/wav")
    assert sweep.main(["--grace-minutes", "0"]) == 0
    out = capsys.readouterr().out
    assert f"orphan object: {orphan}" in out and "run with --delete" in out
    assert get_storage().exists(orphan)
    assert sweep.main(["--delete", "--grace-minutes", "0"]) == 0
    assert not get_storage().exists(orphan)
