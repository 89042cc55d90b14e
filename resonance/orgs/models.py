"""Organization tables: the tenant, who belongs to it, who is invited, and what its admins did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from resonance.core.ids import new_id, utcnow
from resonance.orgs.scope import OrgOwned


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"  # never stored: a pending invitation past its expiry reads as expired


class Organization(SQLModel, table=True):
    """A tenant. Its id is also Polar's external customer id."""

    __tablename__ = "organizations"

    id: str = Field(default_factory=lambda: new_id("org"), primary_key=True)
    name: str = Field(max_length=80)
    slug: str = Field(index=True, unique=True, max_length=90)
    created_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, OrgOwned, table=True):
    """A user's place in an organization; its role is read on the server for every action."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: str = Field(default_factory=lambda: new_id("mem"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(default=Role.MEMBER, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Invitation(SQLModel, OrgOwned, table=True):
    """An emailed, single-use invitation to join an organization with a role."""

    __tablename__ = "invitations"

    id: str = Field(default_factory=lambda: new_id("inv"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    email: str = Field(index=True, max_length=320)
    role: str = Field(default=Role.MEMBER, max_length=16)
    token_hash: str = Field(index=True, unique=True)
    status: str = Field(default=InvitationStatus.PENDING, max_length=16)
    invited_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    expires_at: datetime
    accepted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, OrgOwned, table=True):
    """Who did what to an organization, and when. Kept as text so it survives deleted users."""

    __tablename__ = "audit_events"

    id: str = Field(default_factory=lambda: new_id("aud"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    actor_id: str | None = None
    actor_email: str = ""
    action: str = Field(max_length=64)
    detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
