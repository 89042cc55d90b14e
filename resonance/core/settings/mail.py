"""Settings of mail delivery over SMTP."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings


class MailSettings(BaseSettings):
    """Where mail goes (nowhere but the dev outbox and the log without SMTP_HOST)."""

    MAIL_FROM: str = "Resonance <no-reply@resonance.local>"

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

    @model_validator(mode="after")
    def _check_smtp(self) -> Self:
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

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.SMTP_HOST)

    @property
    def smtp_port(self) -> int:
        return self.SMTP_PORT or {"none": 25, "starttls": 587, "tls": 465}[self.SMTP_SECURITY]
