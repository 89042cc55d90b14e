"""The outbox: messages waiting for, or done with, delivery."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from resonance.core.ids import new_id, utcnow


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_emails"

    id: str = Field(default_factory=lambda: new_id("eml"), primary_key=True)
    to: str = Field(index=True, max_length=320)
    subject: str = Field(max_length=200)
    text: str
    html: str = ""
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, index=True)
