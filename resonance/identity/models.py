"""Identity tables: users, their server-side sessions, one-time email tokens, second factors, passkeys and security
events."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from resonance.core.ids import new_id, utcnow


class User(SQLModel, table=True):
    """A person. Signs in only once `email_verified_at` is set. `email` is None for an account made through a provider
    that did not vouch for an address: it signs in only after giving one and proving it with an emailed code."""

    __tablename__ = "users"

    id: str = Field(default_factory=lambda: new_id("usr"), primary_key=True)
    email: str | None = Field(default=None, index=True, unique=True, max_length=320)  # stored lower-cased
    name: str = Field(max_length=120)
    password_hash: str | None = None  # None for accounts that sign in only through a provider or link
    email_verified_at: datetime | None = None
    failed_signins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its keyed digest is stored here."""

    __tablename__ = "auth_sessions"

    id: str = Field(default_factory=lambda: new_id("ses"), primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str | None = Field(default=None, index=True, unique=True)  # set when the browser claims it
    handoff_hash: str | None = Field(default=None, index=True)  # one-time ticket until claimed
    active_org_id: str | None = Field(default=None, foreign_key="organizations.id", ondelete="SET NULL")
    ip: str = ""
    user_agent: str = Field(default="", max_length=400)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class EmailToken(SQLModel, table=True):
    """A one-time code and link sent by email (verification, password reset, sign-in link)."""

    __tablename__ = "email_tokens"

    id: str = Field(default_factory=lambda: new_id("etk"), primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    purpose: str = Field(index=True, max_length=32)
    token_hash: str = Field(index=True, unique=True)
    code_hash: str | None = None
    # A verification sent to an address the account does not hold yet (an account without email giving one).
    email: str | None = Field(default=None, max_length=320)
    # A sign-up attempt: the password and name it chose, and the keyed digest of the browser that made it (the
    # secret sits in that browser's HttpOnly sign-up cookie). Its code works only in that browser; its link proves
    # the mailbox anywhere, but sets this password only there (identity/accounts.py).
    password_hash: str | None = None
    name: str | None = Field(default=None, max_length=120)
    browser_hash: str | None = None
    attempts: int = 0
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class TotpFactor(SQLModel, table=True):
    """An authenticator app (TOTP, RFC 6238). On once `confirmed_at` is set, after a first right code."""

    __tablename__ = "totp_factors"

    user_id: str = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    secret: str  # the base32 key, encrypted (core.security.encrypt)
    confirmed_at: datetime | None = None
    last_step: int = 0  # the newest time step a code was accepted for: no code works twice
    created_at: datetime = Field(default_factory=utcnow)


class BackupCode(SQLModel, table=True):
    """A single-use code for signing in without the authenticator; only its keyed digest is stored."""

    __tablename__ = "backup_codes"

    id: str = Field(default_factory=lambda: new_id("bkc"), primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(index=True)
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Passkey(SQLModel, table=True):
    """A WebAuthn credential (a passkey): signs in alone (the authenticator verified the person) or as the second
    step. Only the public key is stored; `sign_count` is the authenticator's counter, which must go up (a cloned
    key would repeat or lower it) unless the authenticator keeps none (always 0)."""

    __tablename__ = "passkeys"

    id: str = Field(default_factory=lambda: new_id("pky"), primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    credential_id: str = Field(unique=True, max_length=1400)  # base64url, as the browser names it
    public_key: str  # the COSE public key, base64url
    sign_count: int = 0
    transports: str = ""  # comma-separated hints for the browser (internal, hybrid, usb…)
    name: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class PasskeyChallenge(SQLModel, table=True):
    """A WebAuthn challenge waiting for its answer: the page that asked keeps only the id (server side); the answer
    consumes it in one statement, so it works once, and only before `expires_at`."""

    __tablename__ = "passkey_challenges"

    id: str = Field(default_factory=lambda: new_id("pkc"), primary_key=True)
    challenge: str  # base64url
    purpose: str  # register | sign_in | second_factor
    user_id: str | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    expires_at: datetime = Field(index=True)
class SecurityEvent(SQLModel, table=True):
    """A sign-in or a change to how an account signs in (identity/security_events.py): shown to its owner, to the
    Admins of the organizations it belongs to, and mailed. `details` is JSON and never holds a secret."""

    __tablename__ = "security_events"

    id: str = Field(default_factory=lambda: new_id("sev"), primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=400)
    device: str = Field(default="", max_length=64)  # devices.device: browser and system
    network: str = Field(default="", max_length=64)  # devices.network: the /24 or /48, to tell a new device
    place: str = Field(default="", max_length=64)  # devices.place: what people read
    details: str = "{}"
    created_at: datetime = Field(default_factory=utcnow, index=True)
