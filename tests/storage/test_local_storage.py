"""What only the local-disk backend can get wrong: its layout, atomic writes, folders and symlinks."""

from __future__ import annotations

import threading

import pytest

from resonance.storage import InvalidKey, LocalStorage, NotFound
from resonance.storage import local as local_module

KEY = "voices/orgs/org_1/voi_1"


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def leftovers(storage: LocalStorage) -> list[str]:
    return sorted(str(path.relative_to(storage.root)) for path in storage.root.rglob(".tmp-*"))


def test_layout_is_a_folder_per_key_with_data_and_type(storage):
    storage.put(KEY, b"bytes", "audio/mpeg")
    folder = storage.root / "voices" / "orgs" / "org_1" / "voi_1"
    assert (folder / ".data").read_bytes() == b"bytes"
    assert (folder / ".type").read_text() == "audio/mpeg"


def test_failed_write_keeps_the_old_object_and_no_partial_file(storage, monkeypatch):
    storage.put(KEY, b"old bytes", "audio/wav")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_module.os, "fsync", disk_full)
    with pytest.raises(OSError):
        storage.put(KEY, b"new bytes that never land", "audio/mpeg")
    monkeypatch.undo()
    assert storage.get(KEY) == b"old bytes"
    assert storage.stat(KEY).content_type == "audio/wav"
    assert leftovers(storage) == []


def test_failed_first_write_leaves_nothing(storage, monkeypatch):
    real_replace = local_module.os.replace

    def fail_on_data(source, target):
        if str(target).endswith(".data"):
            raise OSError(5, "I/O error")
        real_replace(source, target)

    monkeypatch.setattr(local_module.os, "replace", fail_on_data)
    with pytest.raises(OSError):
        storage.put(KEY, b"bytes", "audio/wav")
    monkeypatch.undo()
    assert not storage.exists(KEY)
    with pytest.raises(NotFound):
        storage.get(KEY)
    assert leftovers(storage) == []


def test_deleting_the_last_object_removes_its_empty_folders(storage):
    storage.put(KEY, b"x", "audio/wav")
    storage.put("voices/orgs/org_2/voi_1", b"x", "audio/wav")
    storage.delete(KEY)
    assert not (storage.root / "voices" / "orgs" / "org_1").exists()
    assert (storage.root / "voices" / "orgs" / "org_2").is_dir()
    storage.delete_prefix("voices/")
    assert list(storage.root.iterdir()) == []


def test_a_symlink_planted_inside_the_root_cannot_lead_out(storage, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "voi_1").mkdir()
    (outside / "voi_1" / ".data").write_bytes(b"not yours")
    storage.root.mkdir(parents=True)
    (storage.root / "voices").symlink_to(outside, target_is_directory=True)
    for call in (
        lambda: storage.put("voices/voi_2", b"x", "audio/wav"),
        lambda: storage.get("voices/voi_1"),
        lambda: storage.exists("voices/voi_1"),
        lambda: storage.delete("voices/voi_1"),
        lambda: storage.delete_prefix("voices/"),
    ):
        with pytest.raises(InvalidKey):
            call()
    assert sorted(path.name for path in outside.iterdir()) == ["voi_1"]
    assert (outside / "voi_1" / ".data").read_bytes() == b"not yours"


def test_concurrent_writes_and_deletes_in_one_folder(storage):
    errors: list[BaseException] = []

    def churn(name: str) -> None:
        try:
            for n in range(150):
                key = f"voices/orgs/org_1/{name}"
                storage.put(key, f"{name}{n}".encode(), "audio/wav")
                assert storage.get(key) == f"{name}{n}".encode()
                storage.delete(key)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=churn, args=(f"voi_{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert leftovers(storage) == []


def test_put_file_is_atomic_a_failed_copy_keeps_the_old_object_and_no_partial_file(storage, tmp_path, monkeypatch):
    storage.put(KEY, b"old bytes", "audio/wav")
    path = tmp_path / "archive.zip"
    path.write_bytes(b"new bytes that never land" * 100_000)

    def disk_full(source, target, length):
        target.write(source.read(1000))  # some of it reached the temporary file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_module.shutil, "copyfileobj", disk_full)
    with open(path, "rb") as file, pytest.raises(OSError):
        storage.put_file(KEY, file, "application/zip")
    monkeypatch.undo()
    assert storage.get(KEY) == b"old bytes" and storage.stat(KEY).content_type == "audio/wav"
    assert leftovers(storage) == []
    with open(path, "rb") as file:
        storage.put_file(KEY, file, "application/zip")
    assert storage.get(KEY) == path.read_bytes() and storage.stat(KEY).content_type == "application/zip"
    assert leftovers(storage) == []
