"""Settings of logs and error tracking."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from resonance.core.settings.paths import both as _both


class ObservabilitySettings(BaseSettings):
    """How the app logs, and where errors are reported."""

    # Logs and error tracking (resonance/core/logs.py): auto writes JSON lines in production and readable
    # lines in development. SENTRY_DSN (also read without the prefix) sends errors to Sentry; empty: off.
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    LOG_FORMAT: Literal["auto", "json", "console"] = "auto"
    SENTRY_DSN: str = Field("", validation_alias=_both("SENTRY_DSN"))
    SENTRY_ENVIRONMENT: str = ""  # empty: RESONANCE_ENV

    @field_validator("LOG_LEVEL", "LOG_FORMAT", mode="before")
    @classmethod
    def _log_choice(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.upper() if value.lower() in ("debug", "info", "warning", "error") else value.lower()

    @field_validator("SENTRY_DSN")
    @classmethod
    def _sentry_dsn(cls, value: str) -> str:
        value = value.strip()
        if value:
            from sentry_sdk.utils import BadDsn, Dsn
            try:
                Dsn(value)
            except BadDsn as error:
                raise ValueError(f"is not a Sentry DSN ({error}); copy it from the project's Client Keys page, "
                                 f"e.g. https://<key>@o0.ingest.sentry.io/<project>") from None
        return value
