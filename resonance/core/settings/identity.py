"""Settings of identity: sessions, sign-in protection, passwords, emailed codes, social sign-in and magic links."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from resonance.core.config_values import BUILT_IN_PROVIDERS, parse_oidc_providers, parse_rate


class IdentitySettings(BaseSettings):
    """Who may sign in, how, and how often."""

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
    # Social sign-in: each provider is on when its client id and secret (Apple: its four values) are set;
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

    @field_validator("SIGNIN_RATE_LIMIT")
    @classmethod
    def _rate(cls, value: str) -> str:
        count, _, seconds = value.partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
            raise ValueError("must look like COUNT/SECONDS, e.g. 5/10")
        return value

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
    def _check_oauth(self) -> Self:
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

    @property
    def signin_rate(self) -> tuple[int, int]:
        count, _, seconds = self.SIGNIN_RATE_LIMIT.partition("/")
        return int(count), int(seconds)
