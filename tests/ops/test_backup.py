"""Backup and restore of SQLite + local storage: a restored data folder has every voice and generation with their
files; restore refuses a non-empty folder, a damaged archive and entries that would land outside its folder."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest

from resonance.generations import files
from resonance.generations.models import Generation
from resonance.ops import backup
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.voices import keys
from resonance.voices.models import Voice
from tests.conftest import _clear_caches
from tests.factories import all_rows, make_generation, make_org, make_voice
from tests.generations.conftest import ready_voice

WAV = audio.to_wav(np.full(800, 0.1, np.float32), 8000)


@pytest.fixture
def world(data_dir):
    """An organization with a custom voice (sample and original) and a finished generation, files on disk."""
    org = make_org()
    voice = make_voice(org, name="Narrator")
    sample = keys.custom_sample(org.id, voice.id)
    generation = make_generation(org, ready_voice(org), text="Backed up.")
    storage = get_storage()
    storage.put(sample, WAV, "audio/wav")
    storage.put(keys.original(sample), b"original upload", "audio/mpeg")
    storage.put(files.audio_key(org.id, generation.id), WAV, "audio/wav")
    return org, voice, generation


def _point_at(configure, folder) -> None:
    """Settings, engine and storage as a process started with RESONANCE_DATA_DIR=folder would have them."""
    configure(DATA_DIR=folder, DATABASE_URL=None)
    _clear_caches()  # no pooled connection to a database file the restore replaces, nor left after the test
    get_storage.cache_clear()


def test_a_restored_folder_has_every_voice_and_generation_with_their_files(world, data_dir, tmp_path, configure):
    org, voice, generation = world
    before = {key: get_storage().get(key) for key in _keys(org.id)}
    voices_before = {row.id for row in all_rows(Voice)}
    generations_before = {row.id for row in all_rows(Generation)}
    archive = tmp_path / "backup.tar.gz"

    manifest = backup.create(archive)
    assert manifest["tables"]["voices"] == len(voices_before)
    assert manifest["tables"]["generations"] == len(generations_before)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    restored = tmp_path / "restored"
    backup.restore(archive, restored)
    _point_at(configure, restored)
    assert {row.id for row in all_rows(Voice)} == voices_before
    assert {row.id for row in all_rows(Generation)} == generations_before
    assert {key: get_storage().get(key) for key in _keys(org.id)} == before
    assert get_storage().stat(files.audio_key(org.id, generation.id)).content_type == "audio/wav"


def _keys(org_id: str) -> list[str]:
    storage = get_storage()
    found = [item.key for prefix in (files.org_prefix(org_id), keys.org_prefix(org_id))
             for item in storage.list_objects(prefix)]
    assert len(found) == 3
    return sorted(found)


def test_restore_refuses_a_folder_that_is_not_empty_unless_forced(world, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup.create(archive)
    target = tmp_path / "busy"
    target.mkdir()
    (target / "resonance.db").write_text("someone's database")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(archive, target)
    assert (target / "resonance.db").read_text() == "someone's database"
    backup.restore(archive, target, force=True)
    assert (target / "resonance.db").read_bytes().startswith(b"SQLite format 3")


def _rewrite(archive, out, *, change=None, extra=None) -> None:
    """A copy of `archive` whose member `change` gets other bytes, plus a member named `extra`."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == change:
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
        if extra:
            info = tarfile.TarInfo(extra)
            info.size = 4
            target.addfile(info, io.BytesIO(b"evil"))


def test_a_damaged_archive_is_refused_and_nothing_lands(world, tmp_path):
    org, _voice, generation = world
    archive, damaged = tmp_path / "backup.tar.gz", tmp_path / "damaged.tar.gz"
    backup.create(archive)
    _rewrite(archive, damaged, change=f"storage/{files.audio_key(org.id, generation.id)}/.data")
    target = tmp_path / "restored"
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.restore(damaged, target)
    assert list(target.iterdir()) == []


def test_an_entry_outside_the_manifest_or_the_folder_is_refused(world, tmp_path):
    archive, evil = tmp_path / "backup.tar.gz", tmp_path / "evil.tar.gz"
    backup.create(archive)
    _rewrite(archive, evil, extra="../outside")
    with pytest.raises(backup.BackupError, match="Unexpected entry"):
        backup.restore(evil, tmp_path / "restored")
    assert not (tmp_path / "outside").exists()


def test_other_setups_are_pointed_at_their_own_tools(data_dir, configure, tmp_path):
    configure(STORAGE_BACKEND="s3", S3_ENDPOINT_URL="http://127.0.0.1:9", S3_BUCKET="b", S3_ACCESS_KEY_ID="k",
              S3_SECRET_ACCESS_KEY="s")
    with pytest.raises(backup.BackupError, match="production.md"):
        backup.create(tmp_path / "backup.tar.gz")


def test_the_command_line(world, tmp_path, capsys):
    archive = tmp_path / "cli.tar.gz"
    assert backup.main(["create", str(archive)]) == 0
    assert backup.main(["restore", str(archive), "--into", str(tmp_path / "a")]) == 0
    assert backup.main(["restore", str(archive), "--into", str(tmp_path / "a")]) == 2
    assert "not empty" in capsys.readouterr().err
