"""One behaviour suite, run against local disk and against a real S3-compatible server (SeaweedFS)."""

from __future__ import annotations

import os

import pytest

from resonance.storage import InvalidKey, InvalidRange, LocalStorage, NotFound, ObjectInfo, Storage
from resonance.storage.s3 import S3Storage

KEY = "voices/orgs/org_1/voi_1"


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    server = request.getfixturevalue("seaweedfs")
    return S3Storage(
        bucket=server.new_bucket(),
        endpoint_url=server.endpoint_url,
        access_key_id=server.access_key_id,
        secret_access_key=server.secret_access_key,
    )


def test_put_then_get_stat_and_exists(storage):
    storage.put(KEY, b"RIFF fake wav", "audio/wav")
    assert storage.get(KEY) == b"RIFF fake wav"
    assert storage.stat(KEY) == ObjectInfo(size=13, content_type="audio/wav")
    assert storage.exists(KEY)
    assert isinstance(storage, Storage)


def test_put_replaces_bytes_and_content_type(storage):
    storage.put(KEY, b"first version, longer", "audio/wav")
    storage.put(KEY, b"second", "audio/mpeg")
    assert storage.get(KEY) == b"second"
    assert storage.stat(KEY) == ObjectInfo(size=6, content_type="audio/mpeg")


def test_empty_content_type_is_stored_as_octet_stream(storage):
    storage.put(KEY, b"x", "")
    assert storage.stat(KEY).content_type == "application/octet-stream"


def test_content_type_with_a_line_break_is_refused(storage):
    with pytest.raises(ValueError):
        storage.put(KEY, b"x", "audio/wav\r\nX-Injected: 1")
    assert not storage.exists(KEY)


def test_binary_objects_round_trip_exactly(storage):
    data = os.urandom(6 * 1024 * 1024 + 3)  # past SeaweedFS's 4 MB chunk size
    storage.put(KEY, data, "audio/flac")
    assert storage.get(KEY) == data
    chunk = 4 * 1024 * 1024
    assert storage.get_range(KEY, chunk - 2, chunk + 1) == data[chunk - 2 : chunk + 2]


def test_missing_object(storage):
    assert not storage.exists(KEY)
    for read in (storage.get, storage.stat, lambda key: storage.get_range(key, 0, None)):
        with pytest.raises(NotFound):
            read(KEY)


def test_delete_removes_and_missing_is_fine(storage):
    storage.put(KEY, b"bytes", "audio/wav")
    storage.delete(KEY)
    assert not storage.exists(KEY)
    with pytest.raises(NotFound):
        storage.get(KEY)
    storage.delete(KEY)
    storage.delete("voices/orgs/org_never/voi_never")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, b"0"),
        (0, 3, b"0123"),
        (4, 7, b"4567"),
        (7, None, b"789"),
        (0, None, b"0123456789"),
        (8, 100, b"89"),
        (9, 9, b"9"),
    ],
)
def test_get_range_is_inclusive_like_http(storage, start, end, expected):
    storage.put(KEY, b"0123456789", "audio/wav")
    assert storage.get_range(KEY, start, end) == expected


@pytest.mark.parametrize("start", [10, 11, 1000])
def test_range_starting_past_the_end_is_not_satisfiable(storage, start):
    storage.put(KEY, b"0123456789", "audio/wav")
    with pytest.raises(InvalidRange) as raised:
        storage.get_range(KEY, start, None)
    assert raised.value.size == 10


def test_range_of_an_empty_object_is_not_satisfiable(storage):
    storage.put(KEY, b"", "audio/wav")
    assert storage.get(KEY) == b""
    assert storage.stat(KEY).size == 0
    with pytest.raises(InvalidRange) as raised:
        storage.get_range(KEY, 0, None)
    assert raised.value.size == 0


@pytest.mark.parametrize(("start", "end"), [(-1, None), (5, 4)])
def test_nonsense_ranges_are_refused(storage, start, end):
    storage.put(KEY, b"0123456789", "audio/wav")
    with pytest.raises(ValueError):
        storage.get_range(KEY, start, end)


BAD_KEYS = [
    "",
    "../etc/passwd",
    "voices/../../etc/passwd",
    "voices/orgs/..",
    "/etc/passwd",
    "voices//org_1",
    "voices/./org_1",
    "voices/org_1/",
    ".hidden",
    "voices/.data",
    "voices\\..\\etc",
    "voices/org 1",
    "voices/org_1\x00",
    "voices/ørg",
    "v" * 1025,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_are_refused_everywhere(storage, key):
    for call in (
        lambda: storage.put(key, b"x", "audio/wav"),
        lambda: storage.get(key),
        lambda: storage.get_range(key, 0, None),
        lambda: storage.stat(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
    ):
        with pytest.raises(InvalidKey):
            call()


def test_a_key_and_keys_below_it_coexist(storage):
    storage.put(KEY, b"original", "audio/mpeg")
    storage.put(f"{KEY}/normalized.wav", b"normalised", "audio/wav")
    assert storage.get(KEY) == b"original"
    assert storage.get(f"{KEY}/normalized.wav") == b"normalised"
    storage.delete(KEY)
    assert storage.get(f"{KEY}/normalized.wav") == b"normalised"


def test_delete_prefix_removes_exactly_the_prefix(storage):
    mine = [f"voices/orgs/org_1/voi_{n}" for n in range(5)] + ["voices/orgs/org_1/voi_0/normalized.wav"]
    others = ["voices/orgs/org_12/voi_1", "voices/orgs/org_2/voi_1", "voices/system/voi_1", "generations/orgs/org_1/g"]
    for key in mine + others:
        storage.put(key, b"x", "audio/wav")
    assert storage.delete_prefix("voices/orgs/org_1/") == len(mine)
    assert not any(storage.exists(key) for key in mine)
    assert all(storage.exists(key) for key in others)
    assert storage.delete_prefix("voices/orgs/org_1/") == 0
    assert storage.delete_prefix("nothing/here/") == 0


def test_delete_prefix_spares_an_object_named_like_the_prefix_without_its_slash(storage):
    storage.put("generations/orgs/org_1/gen_1", b"whole", "audio/wav")
    storage.put("generations/orgs/org_1/gen_1/0000.wav", b"chunk", "audio/wav")
    assert storage.delete_prefix("generations/orgs/org_1/gen_1/") == 1
    assert storage.get("generations/orgs/org_1/gen_1") == b"whole"


def test_delete_prefix_removes_more_than_one_batch(storage):
    count = 1010 if isinstance(storage, S3Storage) else 50  # S3 lists and deletes 1,000 keys at a time
    keys = [f"generations/orgs/org_9/gen_{n:04d}" for n in range(count)]
    for key in keys:
        storage.put(key, b"", "audio/wav")
    assert storage.delete_prefix("generations/orgs/org_9/") == count
    assert not storage.exists(keys[0]) and not storage.exists(keys[-1])


@pytest.mark.parametrize("prefix", ["", "/", "voices/orgs/org_1", "../", "voices/../", "/voices/"])
def test_delete_prefix_refuses_unsafe_or_unbounded_prefixes(storage, prefix):
    storage.put(KEY, b"x", "audio/wav")
    with pytest.raises(InvalidKey):
        storage.delete_prefix(prefix)
    assert storage.exists(KEY)


def test_put_file_stores_the_whole_file_from_its_start_with_its_content_type(storage, tmp_path):
    data = os.urandom(9 * 1024 * 1024 + 5)  # past the 8 MiB at which S3 uploads in parts
    path = tmp_path / "archive.zip"
    path.write_bytes(data)
    storage.put(KEY, b"old", "audio/wav")
    with open(path, "rb") as file:
        file.seek(0, os.SEEK_END)  # where a writer leaves it
        storage.put_file(KEY, file, "application/zip")
    assert storage.get(KEY) == data
    assert storage.stat(KEY) == ObjectInfo(size=len(data), content_type="application/zip")


def test_put_file_of_an_empty_file_and_a_refused_content_type(storage, tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with open(path, "rb") as file:
        storage.put_file(KEY, file, "")
        assert storage.stat(KEY) == ObjectInfo(size=0, content_type="application/octet-stream")
        with pytest.raises(ValueError):
            storage.put_file("voices/other", file, "application/zip\r\nX-Injected: 1")
    assert not storage.exists("voices/other")
