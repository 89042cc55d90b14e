"""The storage interface every backend implements, its errors, and the key rules they share.

Keys are S3-style names chosen by the app, such as `voices/orgs/{orgId}/{voiceId}`: segments of letters, digits,
`_`, `-` and `.` joined by `/`, none empty and none starting with a dot (so no `.`, `..` or hidden names), at most
1,024 characters. Both backends refuse anything else with `InvalidKey`, so a key that works on local disk works on
S3 and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable

from resonance.core.errors import Unavailable

MAX_KEY_LENGTH = 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class StorageError(Exception):
    """The storage could not do what was asked (unreachable, refused, misconfigured). The message holds no secret."""


class StorageUnreachable(StorageError):
    """A failure that may pass by itself (connection refused or reset, a timeout, a 5xx, SlowDown): the backends
    raise it for `RetryPolicy` to try again; it never leaves them."""


class StorageUnavailable(StorageError, Unavailable):
    """The storage stayed unreachable for the whole retry window. Its message is for people (no key, no host); the
    last failure, with those, is its `__cause__`, for the log."""

    def __init__(self, message: str = "Storage is unavailable right now; please try again."):
        super().__init__(message)


class NotFound(StorageError):
    """No object under that key."""


class InvalidKey(StorageError, ValueError):
    """A key or prefix that breaks the key rules (traversal, absolute, empty segment, odd characters)."""


class InvalidRange(StorageError):
    """A byte range that starts at or past the end of the object; `size` is the object's length (HTTP 416)."""

    def __init__(self, size: int):
        super().__init__(f"Range not satisfiable for an object of {size} bytes")
        self.size = size


@dataclass(frozen=True)
class ObjectInfo:
    """What `stat` tells about a stored object."""

    size: int
    content_type: str


@dataclass(frozen=True)
class StoredObject:
    """One object as a listing sees it: its key, size and when it was last written (aware UTC)."""

    key: str
    size: int
    modified: datetime


@runtime_checkable
class Storage(Protocol):
    """Bytes in, bytes out, under string keys. Backends: `LocalStorage` (default) and `S3Storage`."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any object there. Readers see the old object or the new, never half."""

    def put_file(self, key: str, file: BinaryIO, content_type: str) -> None:
        """`put` of a seekable binary file's whole content, from its start, without holding it in memory (the
        backends copy or upload it in parts). This default, for stand-ins, reads it whole."""
        file.seek(0)
        self.put(key, file.read(), content_type)

    def get(self, key: str) -> bytes:
        """The whole object; `NotFound` when missing."""

    def get_range(self, key: str, start: int, end: int | None) -> bytes:
        """Bytes `start`..`end` inclusive (as in HTTP Range), `end=None` or past the end meaning to the end.

        Raises `InvalidRange` when `start` is at or past the end, `NotFound` when missing.
        """

    def stat(self, key: str) -> ObjectInfo:
        """Size and content type; `NotFound` when missing."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is fine."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with `prefix` (which must end with `/`); returns how many."""

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with `prefix` (which must end with `/`), in no particular order."""

    def probe(self) -> None:
        """Raise `StorageError` unless the storage can be written (local) or reached (bucket). Readiness checks."""


def check_key(key: str) -> str:
    """Return `key` if it follows the key rules, else raise `InvalidKey`."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"Invalid storage key {key!r}: must be 1 to {MAX_KEY_LENGTH} characters")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(
            f"Invalid storage key {key!r}: use segments of letters, digits, '_', '-' and '.' joined by '/',"
            " none empty and none starting with '.'"
        )
    return key


def check_prefix(prefix: str) -> str:
    """Return `prefix` if it is a folder-like prefix (`voices/orgs/org_1/`), else raise `InvalidKey`.

    The trailing `/` is required so that deleting `…/org_1/` can never touch `…/org_12/`.
    """
    if not isinstance(prefix, str) or not prefix.endswith("/"):
        raise InvalidKey(f"Invalid storage prefix {prefix!r}: must end with '/'")
    check_key(prefix[:-1])
    return prefix


def clean_content_type(content_type: str | None) -> str:
    """The content type to store: `application/octet-stream` when empty; one printable ASCII line of <= 255."""
    value = (content_type or "").strip() or DEFAULT_CONTENT_TYPE
    if len(value) > 255 or not value.isascii() or not value.isprintable():
        raise ValueError(f"Invalid content type {value[:60]!r}")
    return value


def check_range(start: int, end: int | None) -> None:
    """Refuse ranges that make no sense whatever the object (negative start, end before start)."""
    if start < 0:
        raise ValueError(f"Range start must be >= 0, got {start}")
    if end is not None and end < start:
        raise ValueError(f"Range end {end} is before start {start}")
