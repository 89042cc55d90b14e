"""The Generation table: one text turned into speech for an organization."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Index, SQLModel

from resonance.core.ids import new_id, utcnow
from resonance.orgs.scope import OrgOwned


class Generation(SQLModel, OrgOwned, table=True):
    """A generation. `voice_name` is a copy, so history survives the voice's deletion (voice_id → NULL)."""

    __tablename__ = "generations"
    # The history page reads one organization's rows newest first: an index range scan, however many it has.
    __table_args__ = (Index("ix_generations_org_created", "org_id", "created_at", "id"),)

    id: str = Field(default_factory=lambda: new_id("gen"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    voice_id: str | None = Field(default=None, foreign_key="voices.id", index=True, ondelete="SET NULL")
    text: str
    voice_name: str = Field(max_length=100)
    object_key: str | None = None  # storage key of the audio; set after upload
    status: str = Field(default="queued", max_length=16, index=True)  # queued | running | done | failed | cancelled
    progress: float = 0.0  # 0..1, chunks done / chunks
    chunks_total: int = 0
    chunks_done: int = 0
    error: str = ""
    engine: str = Field(default="", max_length=32)
    speed: float = 1.0
    duration_s: float | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 1000
    repetition_penalty: float = 1.2
    created_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
