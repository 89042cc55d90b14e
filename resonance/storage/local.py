"""Local-disk storage, the default: objects under one root folder (`DATA_DIR/storage`).

Layout: the key `voices/orgs/org_1/voi_2` is the folder `<root>/voices/orgs/org_1/voi_2/`, holding `.data` (the
bytes, exactly as stored) and `.type` (the content type, one line of text). A folder per object lets `a/b` and
`a/b/c` both exist, as on S3; the dot names cannot clash with keys because no key segment starts with a dot.

Writes (`put`, and `put_file`, which copies a file in parts) go to a temporary file in the object's folder that is
flushed, synced and renamed over `.data`, so a failed or interrupted write leaves the previous object (or none),
never a half-written one. The content type goes through
a temporary file too, renamed just before the data; only a crash between those two renames can pair the new type
with the old bytes, and a `.type` lost in a crash reads as `application/octet-stream`. Temporary files are named
`.tmp-*`; one left by a crash is harmless and goes with its object's prefix.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from resonance.storage.base import (
    DEFAULT_CONTENT_TYPE,
    InvalidKey,
    InvalidRange,
    NotFound,
    ObjectInfo,
    StorageError,
    StoredObject,
    check_key,
    check_prefix,
    check_range,
    clean_content_type,
)

DATA = ".data"
TYPE = ".type"
_TEMP = ".tmp-"
_COPY_CHUNK = 1024 * 1024


class LocalStorage:
    """Objects as files under `root`, created on first write."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._store(key, bytes(data), content_type)

    def put_file(self, key: str, file: BinaryIO, content_type: str) -> None:
        self._store(key, file, content_type)

    def _store(self, key: str, source: bytes | BinaryIO, content_type: str) -> None:
        folder = self._folder(key)
        type_line = clean_content_type(content_type).encode()
        for attempt in range(3):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._replace(folder, source, type_line)
                return
            except (FileNotFoundError, FileExistsError):
                # A concurrent delete removed the (then empty) folder between mkdir and write, or between mkdir's
                # "it exists" and its own is-it-a-folder check (pathlib then raises FileExistsError): make it again.
                if attempt == 2:
                    raise

    def _replace(self, folder: Path, data: bytes | BinaryIO, content_type: bytes) -> None:
        temps: list[Path] = []
        try:
            temps.append(_write_temp(folder, data, sync=True))
            temps.append(_write_temp(folder, content_type, sync=False))  # an empty .type reads as the default
            os.replace(temps[1], folder / TYPE)
            os.replace(temps[0], folder / DATA)
        finally:
            for path in temps:
                _unlink(path)

    def get(self, key: str) -> bytes:
        try:
            return self._data(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(key) from None

    def get_range(self, key: str, start: int, end: int | None) -> bytes:
        check_range(start, end)
        try:
            with open(self._data(key), "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if start >= size:
                    raise InvalidRange(size)
                last = size - 1 if end is None else min(end, size - 1)
                file.seek(start)
                return file.read(last - start + 1)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(key) from None

    def stat(self, key: str) -> ObjectInfo:
        folder = self._folder(key)
        try:
            size = (folder / DATA).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(key) from None
        try:
            content_type = (folder / TYPE).read_text().strip() or DEFAULT_CONTENT_TYPE
        except FileNotFoundError:
            content_type = DEFAULT_CONTENT_TYPE
        return ObjectInfo(size=size, content_type=content_type)

    def exists(self, key: str) -> bool:
        return self._data(key).is_file()

    def delete(self, key: str) -> None:
        folder = self._folder(key)
        for name in (DATA, TYPE):
            _unlink(folder / name)
        self._prune(folder)

    def delete_prefix(self, prefix: str) -> int:
        check_prefix(prefix)
        folder = self._folder(prefix[:-1])
        if not folder.is_dir():
            return 0
        count = 0
        # Only what lies below: an object stored exactly at `prefix` without its slash is not under the prefix.
        for child in folder.iterdir():
            if child.is_dir() and not child.is_symlink() and not child.name.startswith("."):
                count += sum(1 for path in child.rglob(DATA) if path.is_file())
                shutil.rmtree(child, ignore_errors=True)
        self._prune(folder)
        return count

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        check_prefix(prefix)
        folder = self._folder(prefix[:-1])
        if not folder.is_dir() or folder.is_symlink():
            return
        for data in folder.rglob(DATA):
            if not data.is_file():
                continue
            key = data.parent.relative_to(self.root).as_posix()
            if any(part.startswith(".") for part in key.split("/")):
                continue  # a hidden folder is nothing a key can name
            info = data.stat()
            yield StoredObject(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC))

    def probe(self) -> None:
        # A dot name no key can take: writes, syncs and removes a file where objects go.
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _unlink(_write_temp(self.root, b"ready", sync=True))
        except OSError as error:
            raise StorageError(f"Storage folder is not writable: {type(error).__name__}") from None

    def _folder(self, key: str) -> Path:
        folder = self.root.joinpath(*check_key(key).split("/"))
        self._check_inside(folder)
        return folder

    def _data(self, key: str) -> Path:
        return self._folder(key) / DATA

    def _check_inside(self, path: Path) -> None:
        # Keys cannot climb out by themselves; this also stops a symlink planted inside the root from leading out.
        existing = path
        while not existing.exists() and existing != self.root:
            existing = existing.parent
        if not existing.resolve().is_relative_to(self.root):
            raise InvalidKey(f"Storage path {path.relative_to(self.root)} leads outside the storage root")

    def _prune(self, folder: Path) -> None:
        """Remove now-empty folders from `folder` up to (not including) the root."""
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:  # not empty, already gone or busy: stop climbing
                return
            folder = folder.parent


def _write_temp(folder: Path, data: bytes | BinaryIO, *, sync: bool) -> Path:
    path = folder / f"{_TEMP}{secrets.token_hex(8)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as file:
            if isinstance(data, bytes):
                file.write(data)
            else:  # a file: copied in parts, from its start (again, when a write is tried again)
                data.seek(0)
                shutil.copyfileobj(data, file, _COPY_CHUNK)
            file.flush()
            if sync:  # the bytes reach the disk before the rename makes them the object
                os.fsync(file.fileno())
    except BaseException:
        _unlink(path)
        raise
    return path


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
