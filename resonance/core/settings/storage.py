"""Settings of file storage: local disk or an S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings


class StorageSettings(BaseSettings):
    """Where files live."""

    # File storage: local disk under DATA_DIR/storage, or an S3-compatible bucket (R2, MinIO, SeaweedFS, AWS)
    STORAGE_BACKEND: Literal["local", "s3"] = "local"
    S3_ENDPOINT_URL: str = ""  # e.g. https://<account>.r2.cloudflarestorage.com; empty only for AWS with a region
    S3_BUCKET: str = ""
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    S3_REGION: str = "auto"
    S3_ADDRESSING_STYLE: Literal["path", "virtual", "auto"] = "path"
    # How long one S3 request keeps being tried through an outage (refused, timed out, 5xx, SlowDown) before the
    # generation or upload fails with "Storage is unavailable right now"; 0 tries once
    STORAGE_RETRY_SECONDS: float = Field(30, ge=0)

    @model_validator(mode="after")
    def _check_storage(self) -> Self:
        if self.STORAGE_BACKEND == "s3":
            needed = ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]
            if self.S3_REGION in ("", "auto"):  # only AWS itself can be found from a region alone
                needed.insert(0, "S3_ENDPOINT_URL")
            missing = [f"RESONANCE_{name}" for name in needed if not getattr(self, name).strip()]
            if missing:
                raise ValueError(f"RESONANCE_STORAGE_BACKEND=s3 needs {', '.join(missing)} to be set")
        return self

    @property
    def storage_dir(self) -> Path:
        """Root of the local-disk storage backend."""
        return self.DATA_DIR / "storage"
