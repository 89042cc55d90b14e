"""Settings: the only reader of environment variables (and of `.env`).

Every option is listed in `.env.example`. `get_settings()` validates once and, on a bad value, raises
`ConfigError` with a message that names the variable and what is wrong.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from resonance.core.config_values import BUILT_IN_PROVIDERS, parse_oidc_providers, parse_rate
from resonance.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _both(name: str) -> AliasChoices:
    """Accept a variable under its own name (as its vendor documents it) and with the RESONANCE_ prefix."""
    return AliasChoices(f"RESONANCE_{name}", name)


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
    # Reverse proxies in front of the app that append the client's address to X-Forwarded-For (core/client_ip.py).
    # 0: the header is ignored, since any client can write it. Reflex reads the same variable for its events.
    TRUSTED_PROXY_HOPS: int = Field(0, ge=0, le=10, validation_alias=AliasChoices(
        "REFLEX_TRUSTED_PROXY_HOPS", "RESONANCE_TRUSTED_PROXY_HOPS"))

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
    # Voice matching's budget per voice: syntheses (starting blends, search steps and the final measurement) and time
    MATCH_SYNTHESES: int = Field(100, ge=4, le=100)
    MATCH_SECONDS: float = Field(60, gt=0, le=600)
    SPEECH_MODELS_DIR: Path = ROOT / "tools" / "speech"  # Kokoro model and voice packs (scripts/env.sh builds them)
    SPEECH_THREADS: int = Field(1, ge=0)  # onnxruntime intra-op threads per chunk; 0: one per CPU core
    SPEECH_WORKERS: int = Field(0, ge=0)  # chunks of one text synthesised at once; 0: cores / threads on the CPU, 4 on a GPU

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
    VOICE_MIN_SPEECH_SECONDS: float = Field(10, ge=0)  # voiced time, pauses and noise left out

    # Billing with Polar (issue #4). Off while POLAR_ACCESS_TOKEN is empty. Polar's own names are accepted with or
    # without the RESONANCE_ prefix. POLAR_SERVER_URL overrides the API host (tests point it at a loopback server).
    POLAR_ACCESS_TOKEN: str = Field("", validation_alias=_both("POLAR_ACCESS_TOKEN"))
    POLAR_ENVIRONMENT: Literal["sandbox", "production"] = Field("sandbox", validation_alias=_both("POLAR_ENVIRONMENT"))
    POLAR_PRODUCT_ID: str = Field("", validation_alias=_both("POLAR_PRODUCT_ID"))
    POLAR_WEBHOOK_SECRET: str = Field("", validation_alias=_both("POLAR_WEBHOOK_SECRET"))
    POLAR_SERVER_URL: str = Field("", validation_alias=_both("POLAR_SERVER_URL"))
    POLAR_TIMEOUT_SECONDS: float = Field(5, gt=0, validation_alias=_both("POLAR_TIMEOUT_SECONDS"))
    BILLING_PRICE_PER_1000_CHARS: Decimal = Field(Decimal("0.30"), gt=0, validation_alias=_both("BILLING_PRICE_PER_1000_CHARS"))
    BILLING_STATE_MAX_AGE_SECONDS: int = Field(900, ge=0, validation_alias=_both("BILLING_STATE_MAX_AGE_SECONDS"))
    BILLING_USAGE_SEND_SECONDS: float = Field(5, gt=0, validation_alias=_both("BILLING_USAGE_SEND_SECONDS"))

    # Mail delivery over SMTP; empty SMTP_HOST: no mail leaves, the dev outbox page and the log show every message.
    # Port 0 picks the security mode's usual port (none 25, starttls 587, tls 465). SMTP_CA_FILE trusts that CA
    # bundle instead of the system's; SMTP_VERIFY_TLS=false skips certificate checks (development only).
    SMTP_HOST: str = ""
    SMTP_PORT: int = Field(0, ge=0, le=65535)
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_SECURITY: Literal["none", "starttls", "tls"] = "starttls"
    SMTP_TIMEOUT_SECONDS: float = Field(10, gt=0, le=300)
    SMTP_CA_FILE: str = ""
    SMTP_VERIFY_TLS: bool = True

    # Social sign-in (issue #5): each provider is on when its client id and secret (Apple: its four values) are set;
    # only those get a button. Endpoint URLs default to the provider's own; tests point them at loopback servers.
    # OIDC_PROVIDERS adds OpenID Connect providers by discovery URL, as a JSON list of objects
    # {"name": "okta", "label": "Okta", "discovery_url": "https://…/.well-known/openid-configuration",
    #  "client_id": "…", "client_secret": "…", "trust_email": true}  (trust_email: honour its email_verified claim).
    OAUTH_STATE_MINUTES: float = Field(10, gt=0, le=60)  # how long a round trip through a provider may take
    OAUTH_HTTP_TIMEOUT_SECONDS: float = Field(10, gt=0, le=120)  # per request to a provider (token, keys, user)
    GOOGLE_CLIENT_ID: str = ""
    GOOGLE_CLIENT_SECRET: str = ""
    GOOGLE_DISCOVERY_URL: str = "https://accounts.google.com/.well-known/openid-configuration"
    GITHUB_CLIENT_ID: str = ""
    GITHUB_CLIENT_SECRET: str = ""
    GITHUB_AUTHORIZE_URL: str = "https://github.com/login/oauth/authorize"
    GITHUB_TOKEN_URL: str = "https://github.com/login/oauth/access_token"
    GITHUB_API_URL: str = "https://api.github.com"
    MICROSOFT_CLIENT_ID: str = ""
    MICROSOFT_CLIENT_SECRET: str = ""
    MICROSOFT_DISCOVERY_URL: str = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    APPLE_CLIENT_ID: str = ""  # the Services ID, e.g. com.example.resonance.web
    APPLE_TEAM_ID: str = ""
    APPLE_KEY_ID: str = ""
    APPLE_PRIVATE_KEY: str = ""  # the .p8 key: its PEM text (newlines may be written as \n) or the path of the file
    APPLE_DISCOVERY_URL: str = "https://appleid.apple.com/.well-known/openid-configuration"
    OIDC_PROVIDERS: str = ""
    # Magic sign-in links: requests per email address and per client IP, as COUNT/SECONDS.
    MAGIC_LINK_RATE_PER_EMAIL: str = "3/600"
    MAGIC_LINK_RATE_PER_IP: str = "10/600"
    SIGNUP_RATE_PER_IP: str = "20/3600"  # sign-ups from one client address: count/seconds

    # Scale-out (issue #7, docs/production.md): Redis shares Reflex page state between backend workers; Celery runs
    # background jobs on worker processes (on any number of machines) instead of a thread in each web process.
    REDIS_URL: str = ""  # redis://host:6379/0; set: Reflex keeps page state in Redis (several backend workers)
    JOBS_BACKEND: Literal["inprocess", "celery"] = "inprocess"
    CELERY_BROKER_URL: str = ""  # empty: REDIS_URL
    JOBS_QUEUE: str = "resonance"
    # Generations the in-process runner runs at once; their chunks share the engine round-robin (speech/scheduler.py)
    JOBS_CONCURRENCY: int = Field(16, ge=1)
    JOBS_LEASE_SECONDS: float = Field(60, ge=1)  # a job whose worker stopped renewing its lease this long runs again
    JOBS_SWEEP_SECONDS: float = Field(15, ge=0.5)  # how often queued-but-unsent and orphaned jobs are looked for
    JOBS_VISIBILITY_SECONDS: int = Field(7200, ge=60)  # broker redelivers an unacknowledged task after this long
    # At shutdown (SIGTERM) the in-process runner takes no new job and lets the running one finish this long, then
    # stops it and puts its row back in the queue. Keep it below the orchestrator's stop timeout (compose: 30 s).
    JOBS_SHUTDOWN_GRACE_SECONDS: float = Field(20, ge=0)
    SPEECH_DEVICE: Literal["auto", "cpu", "cuda"] = "auto"  # auto: onnxruntime's CUDA provider when it has one

    # PostgreSQL row-level security (issue #7): migrations run as the tables' owner, the app (DATABASE_URL) as a role
    # without BYPASSRLS, so the policies apply to it. Empty: migrations use DATABASE_URL.
    MIGRATION_DATABASE_URL: str = ""

    # Public API (issue #6): requests per organization API key, as COUNT/SECONDS (429 with Retry-After beyond it);
    # counted in Redis when REDIS_URL is set (shared by every worker), else in each process's memory.
    API_RATE_LIMIT: str = "60/60"

    # Logs and error tracking (issue #16, resonance/core/logs.py): auto writes JSON lines in production and readable
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

    @field_validator("API_RATE_LIMIT")
    @classmethod
    def _api_rate(cls, value: str) -> str:
        parse_rate(value)
        return value.strip()

    @property
    def api_rate(self) -> tuple[int, int]:
        return parse_rate(self.API_RATE_LIMIT)

    @field_validator("APP_URL", "API_URL", "SPEECH_URL", "S3_ENDPOINT_URL")
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

    @field_validator("POLAR_SERVER_URL")
    @classmethod
    def _polar_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _check_billing(self) -> Settings:
        self.POLAR_ACCESS_TOKEN, self.POLAR_PRODUCT_ID = self.POLAR_ACCESS_TOKEN.strip(), self.POLAR_PRODUCT_ID.strip()
        if self.POLAR_ACCESS_TOKEN and not self.POLAR_PRODUCT_ID:
            raise ValueError("POLAR_PRODUCT_ID must be set when POLAR_ACCESS_TOKEN is (the metered product to sell)")
        return self

    @model_validator(mode="after")
    def _check_storage(self) -> Settings:
        if self.VOICE_MIN_SECONDS >= self.VOICE_MAX_SECONDS:
            raise ValueError("RESONANCE_VOICE_MIN_SECONDS must be less than RESONANCE_VOICE_MAX_SECONDS")
        if self.VOICE_MIN_SPEECH_SECONDS >= self.VOICE_MAX_SECONDS:
            raise ValueError("RESONANCE_VOICE_MIN_SPEECH_SECONDS must be less than RESONANCE_VOICE_MAX_SECONDS")
        if self.STORAGE_BACKEND == "s3":
            needed = ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]
            if self.S3_REGION in ("", "auto"):  # only AWS itself can be found from a region alone
                needed.insert(0, "S3_ENDPOINT_URL")
            missing = [f"RESONANCE_{name}" for name in needed if not getattr(self, name).strip()]
            if missing:
                raise ValueError(f"RESONANCE_STORAGE_BACKEND=s3 needs {', '.join(missing)} to be set")
        return self

    @model_validator(mode="after")
    def _check_smtp(self) -> Settings:
        self.SMTP_HOST = self.SMTP_HOST.strip()
        if "://" in self.SMTP_HOST or " " in self.SMTP_HOST:
            raise ValueError("RESONANCE_SMTP_HOST must be a bare host name, e.g. smtp.example.com (no scheme)")
        if not self.SMTP_HOST:
            extra = [f"RESONANCE_{n}" for n in ("SMTP_USER", "SMTP_PASSWORD", "SMTP_CA_FILE") if getattr(self, n)]
            if extra:
                raise ValueError(f"{', '.join(extra)} set but RESONANCE_SMTP_HOST is empty")
            return self
        if bool(self.SMTP_USER) != bool(self.SMTP_PASSWORD):
            raise ValueError("RESONANCE_SMTP_USER and RESONANCE_SMTP_PASSWORD must be set together")
        if self.SMTP_CA_FILE and not Path(self.SMTP_CA_FILE).is_file():
            raise ValueError(f"RESONANCE_SMTP_CA_FILE: no such file {self.SMTP_CA_FILE!r}")
        if not self.SMTP_VERIFY_TLS and self.ENV == "production":
            raise ValueError("RESONANCE_SMTP_VERIFY_TLS=false is for development only; trust a private CA with "
                             "RESONANCE_SMTP_CA_FILE instead")
        address = parseaddr(self.MAIL_FROM)[1]
        if "@" not in address:
            raise ValueError(f"RESONANCE_MAIL_FROM must hold an email address, e.g. Resonance <no-reply@example.com> "
                             f"(got {self.MAIL_FROM!r})")
        return self

    @field_validator("GOOGLE_DISCOVERY_URL", "GITHUB_AUTHORIZE_URL", "GITHUB_TOKEN_URL", "GITHUB_API_URL",
                     "MICROSOFT_DISCOVERY_URL", "APPLE_DISCOVERY_URL")
    @classmethod
    def _oauth_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("MAGIC_LINK_RATE_PER_EMAIL", "MAGIC_LINK_RATE_PER_IP", "SIGNUP_RATE_PER_IP")
    @classmethod
    def _magic_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("OIDC_PROVIDERS")
    @classmethod
    def _oidc(cls, value: str) -> str:
        parse_oidc_providers(value)
        return value.strip()

    @model_validator(mode="after")
    def _check_oauth(self) -> Settings:
        for name in ("GOOGLE", "GITHUB", "MICROSOFT"):
            have_id, have_secret = bool(getattr(self, f"{name}_CLIENT_ID").strip()), bool(getattr(self, f"{name}_CLIENT_SECRET").strip())
            if have_id != have_secret:
                missing = f"RESONANCE_{name}_CLIENT_SECRET" if have_id else f"RESONANCE_{name}_CLIENT_ID"
                raise ValueError(f"{missing} must be set too (the client id and secret go together)")
        apple = ["APPLE_CLIENT_ID", "APPLE_TEAM_ID", "APPLE_KEY_ID", "APPLE_PRIVATE_KEY"]
        missing = [f"RESONANCE_{n}" for n in apple if not getattr(self, n).strip()]
        if 0 < len(missing) < len(apple):
            raise ValueError(f"Sign in with Apple needs {', '.join(missing)} to be set too")
        if not missing:
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.hazmat.primitives.serialization import load_pem_private_key
            try:
                key = load_pem_private_key(self.apple_private_key_pem().encode(), password=None)
            except (ValueError, TypeError, OSError) as error:
                raise ValueError(f"RESONANCE_APPLE_PRIVATE_KEY is not a readable .p8 key ({error})") from None
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError("RESONANCE_APPLE_PRIVATE_KEY must be the EC (P-256) .p8 key Apple issued")
        taken = {p["name"] for p in parse_oidc_providers(self.OIDC_PROVIDERS)} & BUILT_IN_PROVIDERS
        if taken:
            raise ValueError(f"RESONANCE_OIDC_PROVIDERS: the name {sorted(taken)[0]!r} is a built-in provider's; pick another")
        return self

    def apple_private_key_pem(self) -> str:
        """The Apple .p8 key as PEM text, whether the variable holds the text or the file's path."""
        value = self.APPLE_PRIVATE_KEY.strip()
        if "-----BEGIN" in value:
            return value.replace("\\n", "\n")
        return Path(value).expanduser().read_text()

    @property
    def oidc_providers(self) -> list[dict]:
        return parse_oidc_providers(self.OIDC_PROVIDERS)

    @field_validator("REDIS_URL", "CELERY_BROKER_URL")
    @classmethod
    def _redis(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _check_jobs(self) -> Settings:
        if self.JOBS_BACKEND == "celery" and not self.REDIS_URL:
            # Job leases live in Redis, and it is the default broker.
            raise ValueError("RESONANCE_JOBS_BACKEND=celery needs RESONANCE_REDIS_URL to be set")
        return self

    @property
    def celery_broker_url(self) -> str:
        return self.CELERY_BROKER_URL or self.REDIS_URL

    @property
    def storage_dir(self) -> Path:
        """Root of the local-disk storage backend."""
        return self.DATA_DIR / "storage"

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.SMTP_HOST)

    @property
    def smtp_port(self) -> int:
        return self.SMTP_PORT or {"none": 25, "starttls": 587, "tls": 465}[self.SMTP_SECURITY]

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
