"""Settings: the only reader of environment variables (and of `.env`).

Every option is listed in `.env.example`. `get_settings()` validates once and, on a bad value, raises
`ConfigError` with a message that names the variable and what is wrong. The options of each concern are declared in
resonance/core/settings/; this module joins them with the app's own (where it runs, its database, its addresses).
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from resonance.core.config_values import parse_rate
from resonance.core.errors import ConfigError
from resonance.core.settings.billing import BillingSettings
from resonance.core.settings.identity import IdentitySettings
from resonance.core.settings.jobs import JobsSettings
from resonance.core.settings.mail import MailSettings
from resonance.core.settings.observability import ObservabilitySettings
from resonance.core.settings.paths import ROOT
from resonance.core.settings.speech import SpeechSettings
from resonance.core.settings.storage import StorageSettings


class Settings(IdentitySettings, SpeechSettings, StorageSettings, BillingSettings, MailSettings, JobsSettings,
               ObservabilitySettings):
    """Resonance configuration. Defaults run a complete app on one laptop with nothing set."""

    model_config = SettingsConfigDict(
        env_prefix="RESONANCE_", env_file=ROOT / ".env", extra="ignore", case_sensitive=False
    )

    ENV: Literal["development", "production"] = "development"
    DATA_DIR: Path = ROOT / "data"
    DATABASE_URL: str = ""  # empty: SQLite file in DATA_DIR
    SECRET_KEY: str = ""  # empty in development: generated into DATA_DIR/secret_key
    APP_URL: str = "http://localhost:3000"  # where people open the app; links in emails start here
    API_URL: str = ""  # backend URL the browser posts to; empty: same as APP_URL in production, :8000 in dev

    # Reverse proxies in front of the app that append the client's address to X-Forwarded-For (core/client_ip.py).
    # 0: the header is ignored, since any client can write it. Reflex reads the same variable for its events.
    TRUSTED_PROXY_HOPS: int = Field(0, ge=0, le=10, validation_alias=AliasChoices(
        "REFLEX_TRUSTED_PROXY_HOPS", "RESONANCE_TRUSTED_PROXY_HOPS"))

    # Organizations
    INVITATION_DAYS: float = Field(30, gt=0)
    ORG_MEMBER_LIMIT: int = Field(20, ge=1)
    ORGS_PER_USER_LIMIT: int = Field(100, ge=1)

    # PostgreSQL row-level security: migrations run as the tables' owner, the app (DATABASE_URL) as a role
    # without BYPASSRLS, so the policies apply to it. Empty: migrations use DATABASE_URL.
    MIGRATION_DATABASE_URL: str = ""

    # Public API: requests per organization API key, as COUNT/SECONDS (429 with Retry-After beyond it);
    # counted in Redis when REDIS_URL is set (shared by every worker), else in each process's memory.
    API_RATE_LIMIT: str = "60/60"

    @field_validator("API_RATE_LIMIT")
    @classmethod
    def _api_rate(cls, value: str) -> str:
        parse_rate(value)
        return value.strip()

    @property
    def api_rate(self) -> tuple[int, int]:
        return parse_rate(self.API_RATE_LIMIT)

    @field_validator("APP_URL", "API_URL", "SPEECH_URL", "S3_ENDPOINT_URL", "POLAR_SERVER_URL")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("DATABASE_URL", "MIGRATION_DATABASE_URL")
    @classmethod
    def _driver(cls, value: str) -> str:
        # A PostgreSQL URL without a driver means psycopg 3: it prepares a statement the server sees often (session
        # validation runs on every event), which saves the server's parse and plan each time. Name
        # postgresql+psycopg2:// for psycopg2 (e.g. behind PgBouncer < 1.21 in transaction mode, which cannot keep
        # prepared statements).
        value = value.strip()
        for bare in ("postgresql://", "postgres://"):
            if value.startswith(bare):
                return "postgresql+psycopg://" + value[len(bare):]
        return value

    @field_validator("SECRET_KEY")
    @classmethod
    def _secret(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (try: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Self:
        if self.ENV == "production" and not self.SECRET_KEY:
            raise ValueError("RESONANCE_SECRET_KEY must be set in production")
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite:///{self.DATA_DIR / 'resonance.db'}"
        if not self.API_URL:
            self.API_URL = self.APP_URL if self.ENV == "production" else "http://localhost:8000"
        return self

    @property
    def is_dev(self) -> bool:
        return self.ENV == "development"

    @property
    def allowed_origins(self) -> list[str]:
        """Origins allowed to post to backend routes and to open the event websocket."""
        return sorted({_origin(self.APP_URL), _origin(self.API_URL)})

    def secret_key(self) -> str:
        """The configured key, or one generated once into the data folder (development only)."""
        if self.SECRET_KEY:
            return self.SECRET_KEY
        return _generated_key(self.DATA_DIR / "secret_key")


@lru_cache
def _generated_key(path: Path) -> str:
    # Read once per process: every token digest needs the key, and a file read per event is measurable.
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


_SECRET_NAME = re.compile(r"SECRET|(PASSWORD|TOKEN|PRIVATE_KEY|API_KEY|DATABASE_URL|REDIS_URL|BROKER_URL|OIDC_PROVIDERS|DSN)$")


def _explain(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        # Aliased fields carry their variable's name already.
        variable = name if name.startswith(("RESONANCE_", "REFLEX_")) else f"RESONANCE_{name}"
        # The message is printed at start: a secret's value stays out of it (and out of the log it lands in).
        shown = "hidden" if _SECRET_NAME.search(variable) else repr(item.get("input"))
        lines.append(f"  {variable}: {item['msg']} (got {shown})" if item["loc"] else f"  {item['msg']}")
    return "Invalid configuration; fix these in the environment or .env (see .env.example):\n" + "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    """Validated settings, read once per process."""
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(_explain(error)) from None
