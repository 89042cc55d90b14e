"""File storage behind one interface: bytes in, bytes out. Knows nothing of the database, organizations or Reflex.

`get_storage()` returns the backend chosen by `RESONANCE_STORAGE_BACKEND`: `local` (default, files under
`DATA_DIR/storage`) or `s3` (any S3-compatible bucket through boto3). S3 requests ride out an outage of up to
`RESONANCE_STORAGE_RETRY_SECONDS` (storage/retry.py), then raise `StorageUnavailable`; local disk is not retried, as
a disk error does not pass by itself within seconds.
"""

from __future__ import annotations

from functools import lru_cache

from resonance.core.config import Settings, get_settings
from resonance.storage.base import (
    InvalidKey,
    InvalidRange,
    NotFound,
    ObjectInfo,
    Storage,
    StorageError,
    StorageUnavailable,
    StoredObject,
)
from resonance.storage.local import LocalStorage

__all__ = [
    "InvalidKey",
    "InvalidRange",
    "LocalStorage",
    "NotFound",
    "ObjectInfo",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "create_storage",
    "get_storage",
]


def create_storage(settings: Settings) -> Storage:
    """A new backend configured from `settings`."""
    if settings.STORAGE_BACKEND == "s3":
        from resonance.storage.retry import RetryPolicy
        from resonance.storage.s3 import S3Storage  # boto3 loads only when S3 is configured

        return S3Storage(
            bucket=settings.S3_BUCKET,
            endpoint_url=settings.S3_ENDPOINT_URL,
            access_key_id=settings.S3_ACCESS_KEY_ID,
            secret_access_key=settings.S3_SECRET_ACCESS_KEY,
            region=settings.S3_REGION,
            addressing_style=settings.S3_ADDRESSING_STYLE,
            retry=RetryPolicy(seconds=settings.STORAGE_RETRY_SECONDS),
        )
    return LocalStorage(settings.storage_dir)


@lru_cache(maxsize=1)
def get_storage() -> Storage:
    """The process's storage backend, built once from the settings (`get_storage.cache_clear()` in tests)."""
    return create_storage(get_settings())
