"""Create the configured bucket if it does not exist: a set-up step, run before the first start with S3 storage.

    python -m resonance.ops.bucket

The app never creates its bucket by itself (its keys may rightly lack the permission, and a misspelt name should
fail, not make a new bucket); until the bucket exists `/readyz` reports storage as failing. Safe to run on every
deploy: an existing bucket is left as it is. With local storage there is nothing to do.
"""

from __future__ import annotations

from resonance.core.config import get_settings
from resonance.storage import StorageError, create_storage


def main() -> int:
    settings = get_settings()
    if settings.STORAGE_BACKEND != "s3":
        print("Local storage: no bucket to create.")
        return 0
    try:
        made = create_storage(settings).create_bucket()
    except StorageError as error:
        print(f"Could not create bucket {settings.S3_BUCKET!r}: {error}")
        return 1
    print(f"Bucket {settings.S3_BUCKET!r} " + ("created." if made else "already exists."))
    return 0


if __name__ == "__main__":
    from resonance.core import logs

    logs.configure()
    raise SystemExit(main())
