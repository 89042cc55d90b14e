"""Organization API keys for the public API (/v1): created and revoked by Admins, used by code with Member rights.

The secret is shown once, when the key is created; the table keeps only its keyed digest (`security.digest`, like
session tokens) and a short prefix people can recognise it by. A request's key is looked up by digest, across
organizations (the key is what says which organization is calling); everything after that runs in the key's tenant
session like any Member's action. Rotating RESONANCE_SECRET_KEY invalidates every key, as it does every session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Field, Session, SQLModel, col, select

from resonance.core import security, text_input
from resonance.core.clock import as_utc, clock
from resonance.core.errors import Invalid, NotFound
from resonance.core.ids import new_id, utcnow
from resonance.identity.models import User
from resonance.orgs import audit
from resonance.orgs.models import Role
from resonance.orgs.principal import Principal, require_admin
from resonance.orgs.scope import OrgOwned, system_session

SECRET_PREFIX = "rsk_"  # "Resonance secret key": recognisable in logs and by secret scanners
PREFIX_CHARS = 12  # what the list shows: "rsk_" and 8 characters of the secret
MAX_NAME = 60
MAX_ACTIVE_KEYS = 50
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


class ApiKey(SQLModel, OrgOwned, table=True):
    """One API key of an organization; `revoked_at` set means it no longer opens anything (kept for the list)."""

    __tablename__ = "api_keys"

    id: str = Field(default_factory=lambda: new_id("key"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=MAX_NAME)
    prefix: str = Field(max_length=16)
    digest: str = Field(unique=True, index=True, max_length=64)
    created_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class NewKey:
    """A key just created: `secret` exists only here, never again."""

    key: ApiKey
    secret: str


@dataclass(frozen=True)
class KeyView:
    id: str
    name: str
    prefix: str
    created_by: str  # name or email of the Admin who created it ("" once that account is deleted)
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Caller:
    """Who a request with a valid key acts as: the key's organization, Member rights, attributed to the key's
    creator (`user_id` None once that account is deleted)."""

    key_id: str
    principal: Principal


def create_key(*, session: Session, actor: Principal, name: str) -> NewKey:
    """A new key named `name` (Admins only); the only time its secret is available."""
    require_admin(actor)
    name = " ".join(text_input.text(name, "Key name").split())  # line breaks and tabs become spaces
    if not name:
        raise Invalid("Give the key a name, such as the app or script that will use it.")
    if len(name) > MAX_NAME:
        raise Invalid(f"Key name must be at most {MAX_NAME} characters.")
    active = session.exec(select(ApiKey.id).where(col(ApiKey.revoked_at).is_(None))).all()
    if len(active) >= MAX_ACTIVE_KEYS:
        raise Invalid(f"An organization can have at most {MAX_ACTIVE_KEYS} active keys; revoke one first.")
    secret = SECRET_PREFIX + security.new_token(32)
    key = ApiKey(org_id=actor.org_id, name=name, prefix=secret[:PREFIX_CHARS], digest=security.digest(secret),
                 created_by=actor.user_id)
    session.add(key)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="api_key.created",
                 detail=f"{name} ({key.prefix}…)")
    return NewKey(key, secret)


def list_keys(*, session: Session, actor: Principal) -> list[KeyView]:
    """The organization's keys, active first, newest first (Admins only)."""
    require_admin(actor)
    rows = session.exec(
        select(ApiKey, User.name, User.email).outerjoin(User, User.id == ApiKey.created_by)
        .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
    ).all()
    views = [KeyView(k.id, k.name, k.prefix, name or email or "", k.created_at, k.last_used_at, k.revoked_at)
             for k, name, email in rows]
    return sorted(views, key=lambda v: v.revoked_at is not None)  # stable: keeps newest first within each group


def revoke_key(*, session: Session, actor: Principal, key_id: str) -> None:
    """Revoke at once: the next request with it gets 401 (Admins only)."""
    require_admin(actor)
    key = session.get(ApiKey, key_id) if key_id and text_input.is_line(key_id) else None
    if key is None:
        raise NotFound("API key not found.")
    if key.revoked_at is not None:
        raise Invalid("This key is already revoked.")
    key.revoked_at = clock.now()
    session.add(key)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="api_key.revoked",
                 detail=f"{key.name} ({key.prefix}…)")


def key_prefix(*, session: Session, key_id: str) -> str | None:
    """The shown start of the organization's key (`rsk_…`), or None once it is gone."""
    key = session.get(ApiKey, key_id)
    return key.prefix if key else None


def authenticate(secret: str | None) -> Caller | None:
    """The caller behind a secret, or None for a missing, unknown or revoked key. Notes the use (once a minute)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    with system_session() as session:
        key = session.exec(select(ApiKey).where(ApiKey.digest == security.digest(secret))).first()
        if key is None or key.revoked_at is not None:
            return None
        now = clock.now()
        if key.last_used_at is None or as_utc(key.last_used_at) <= now - TOUCH_EVERY:
            key.last_used_at = now
            session.add(key)
        principal = Principal(user_id=key.created_by, email="", name=f"API key {key.name}",
                              session_id=f"api-key:{key.id}", org_id=key.org_id, org_name="", role=Role.MEMBER)
        return Caller(key.id, principal)


