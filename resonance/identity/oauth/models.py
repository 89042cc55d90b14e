"""Linked provider accounts: which provider identity (issuer's `sub`) signs in as which user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from resonance.core.ids import new_id, utcnow


class ExternalIdentity(SQLModel, table=True):
    """One provider account connected to a user. (provider, subject) is unique: a provider account signs in as
    exactly one user. `email` is what the provider reported at the last sign-in, for display."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_external_identities_provider_subject"),)

    id: str = Field(default_factory=lambda: new_id("xid"), primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=32)
    subject: str = Field(max_length=255)
    email: str = Field(default="", max_length=320)
    email_verified: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)
