"""Settings: the only reader of environment variables (and of `.env`).

Every option is listed in `.env.example`. `get_settings()` validates once and, on a bad value, raises
`ConfigError` with a message that names the variable and what is wrong.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from resonance.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
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

    # Sessions
    SESSION_COOKIE_NAME: str = "__Host-resonance_session"
    SESSION_IDLE_DAYS: float = Field(7, gt=0)
    SESSION_ABSOLUTE_DAYS: float = Field(0, ge=0)  # 0: no absolute cap
    SESSION_TOUCH_SECONDS: int = Field(60, ge=0)  # how stale last-seen may get before it is written again
    HANDOFF_SECONDS: int = Field(60, gt=0)  # life of the ticket that turns a sign-in into a cookie

    # Sign-in protection
    LOCKOUT_THRESHOLD: int = Field(10, ge=1)
    LOCKOUT_MINUTES: float = Field(60, gt=0)
    SIGNIN_RATE_LIMIT: str = "5/10"  # sign-in starts per IP: count/seconds
    CODE_ATTEMPT_LIMIT: int = Field(5, ge=1)  # wrong codes before a verification code dies

    # Passwords
    PASSWORD_MIN_LENGTH: int = Field(8, ge=8)
    PASSWORD_MAX_LENGTH: int = Field(128, ge=64)
    ARGON2_TIME_COST: int = Field(3, ge=2)
    ARGON2_MEMORY_KIB: int = Field(65536, ge=19456)
    ARGON2_PARALLELISM: int = Field(4, ge=1)

    # Emailed codes and links
    EMAIL_CODE_MINUTES: float = Field(10, gt=0)
    EMAIL_RESEND_SECONDS: int = Field(30, ge=0)
    MAIL_FROM: str = "Resonance <no-reply@resonance.local>"

    # Organizations
    INVITATION_DAYS: float = Field(30, gt=0)
    ORG_MEMBER_LIMIT: int = Field(20, ge=1)
    ORGS_PER_USER_LIMIT: int = Field(100, ge=1)

    # Speech engine: Kokoro in this process unless SPEECH_URL names a service speaking the /generate contract
    SPEECH_URL: str = ""
    SPEECH_API_KEY: str = ""  # sent as x-api-key to SPEECH_URL; our own speech service requires it (empty: refuses all)
    SPEECH_TIMEOUT_SECONDS: float = Field(120, gt=0)  # per request to SPEECH_URL
    MATCH_CANDIDATES: int = Field(6, ge=1, le=24)  # blends synthesised when matching a custom voice (≈2 s each on 2 cores)
    SPEECH_MODELS_DIR: Path = ROOT / "tools" / "speech"  # Kokoro model and voice packs (scripts/env.sh builds them)
    SPEECH_THREADS: int = Field(1, ge=0)  # onnxruntime intra-op threads per chunk; 0: one per CPU core
    SPEECH_WORKERS: int = Field(0, ge=0)  # chunks of one text synthesised at once on the CPU; 0: cores / threads

    # File storage: local disk under DATA_DIR/storage, or an S3-compatible bucket (R2, MinIO, SeaweedFS, AWS)
    STORAGE_BACKEND: Literal["local", "s3"] = "local"
    S3_ENDPOINT_URL: str = ""  # e.g. https://<account>.r2.cloudflarestorage.com; empty only for AWS with a region
    S3_BUCKET: str = ""
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    S3_REGION: str = "auto"
    S3_ADDRESSING_STYLE: Literal["path", "virtual", "auto"] = "path"

    # Custom voice uploads
    VOICE_MAX_BYTES: int = Field(20 * 1024 * 1024, gt=0)
    VOICE_MIN_SECONDS: float = Field(10, ge=0)
    VOICE_MAX_SECONDS: float = Field(300, gt=0)

    @field_validator("APP_URL", "API_URL", "SPEECH_URL", "S3_ENDPOINT_URL")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _driver(cls, value: str) -> str:
        # A PostgreSQL URL without a driver means psycopg2, the one requirements.txt installs (SQLAlchemy 2.1 would
        # otherwise pick psycopg 3, which is not installed).
        value = value.strip()
        for bare in ("postgresql://", "postgres://"):
            if value.startswith(bare):
                return "postgresql+psycopg2://" + value[len(bare):]
        return value

    @field_validator("SIGNIN_RATE_LIMIT")
    @classmethod
    def _rate(cls, value: str) -> str:
        count, _, seconds = value.partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
            raise ValueError("must look like COUNT/SECONDS, e.g. 5/10")
        return value

    @field_validator("SECRET_KEY")
    @classmethod
    def _secret(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (try: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.ENV == "production" and not self.SECRET_KEY:
            raise ValueError("RESONANCE_SECRET_KEY must be set in production")
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite:///{self.DATA_DIR / 'resonance.db'}"
        if not self.API_URL:
            self.API_URL = self.APP_URL if self.ENV == "production" else "http://localhost:8000"
        return self

    @model_validator(mode="after")
    def _check_storage(self) -> Settings:
        if self.VOICE_MIN_SECONDS >= self.VOICE_MAX_SECONDS:
            raise ValueError("RESONANCE_VOICE_MIN_SECONDS must be less than RESONANCE_VOICE_MAX_SECONDS")
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

    @property
    def is_dev(self) -> bool:
        return self.ENV == "development"

    @property
    def signin_rate(self) -> tuple[int, int]:
        count, _, seconds = self.SIGNIN_RATE_LIMIT.partition("/")
        return int(count), int(seconds)

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


def _explain(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        variable = f"RESONANCE_{name}" if item["loc"] else "configuration"
        lines.append(f"  {variable}: {item['msg']} (got {item.get('input')!r})" if item["loc"] else f"  {item['msg']}")
    return "Invalid configuration; fix these in the environment or .env (see .env.example):\n" + "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    """Validated settings, read once per process."""
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(_explain(error)) from None
