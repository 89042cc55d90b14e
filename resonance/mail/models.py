"""The outbox: messages waiting for, or done with, delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from resonance.core.ids import new_id, utcnow

# Delivery states. 'logged' rows were never meant for SMTP (no server configured: the dev outbox page and the log
# are their delivery). 'sending' rows are claimed by one deliverer until next_attempt_at (a lease): past it, a
# deliverer that died mid-send is presumed gone and the row is claimable again.
LOGGED, PENDING, SENDING, SENT, FAILED = "logged", "pending", "sending", "sent", "failed"


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: str = Field(default_factory=lambda: new_id("eml"), primary_key=True)
    to: str = Field(index=True, max_length=320)
    subject: str = Field(max_length=200)
    text: str
    html: str = ""
    status: str = Field(default=LOGGED, max_length=16)  # logged | pending | sending | sent | failed
    attempts: int = 0  # delivery attempts started
    next_attempt_at: datetime | None = None  # pending: when to try; sending: when the claim lapses
    sent_at: datetime | None = None
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, index=True)
