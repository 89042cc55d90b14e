"""Organization tables: the tenant, who belongs to it, who is invited, its verified email domains and the requests
to join through them, and what its admins did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, text
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


class DomainMode(StrEnum):
    """What a verified domain offers people whose verified address is at it, on /org-selection."""

    AUTOMATIC_INVITATION = "automatic_invitation"  # "Join": they become Members with one click
    SUGGESTION = "suggestion"  # "Request to join": an Admin approves or declines


class JoinRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class Organization(SQLModel, table=True):
    """A tenant. Its id is also Polar's external customer id."""

    __tablename__ = "organizations"

    id: str = Field(default_factory=lambda: new_id("org"), primary_key=True)
    name: str = Field(max_length=80)
    slug: str = Field(index=True, unique=True, max_length=90)
    created_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # Members without two-step verification are sent to set it up before they can enter (orgs/principal.py).
    require_two_step: bool = False
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


VERIFIED = text("verified_at IS NOT NULL")


class OrgDomain(SQLModel, OrgOwned, table=True):
    """An email domain an organization added; it offers anything only once verified by an emailed code. A domain is
    verified by one organization at most: the partial unique index settles two verifying at once."""

    __tablename__ = "org_domains"
    __table_args__ = (
        UniqueConstraint("org_id", "domain"),
        Index("ux_org_domains_verified", "domain", unique=True, sqlite_where=VERIFIED, postgresql_where=VERIFIED),
    )

    id: str = Field(default_factory=lambda: new_id("dom"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    domain: str = Field(max_length=253)  # lower-case, IDNA A-labels (xn--…)
    mode: str = Field(default=DomainMode.SUGGESTION, max_length=32)
    verified_at: datetime | None = None
    verified_email: str | None = Field(default=None, max_length=320)  # the address whose code proved it
    created_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class JoinRequest(SQLModel, OrgOwned, table=True):
    """A request to join, made through a verified domain in suggestion mode; one per person and organization."""

    __tablename__ = "org_join_requests"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: str = Field(default_factory=lambda: new_id("jrq"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)  # the verified address it was made with
    domain: str = Field(max_length=253)
    status: str = Field(default=JoinRequestStatus.PENDING, max_length=16)
    decided_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = None
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
