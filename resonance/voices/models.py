"""The Voice table: 20 built-in (SYSTEM, no organization) plus each organization's CUSTOM voices; and each
organization's settings of the voices it speaks with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from resonance.core.ids import new_id, utcnow
from resonance.orgs.scope import OrgOwned, OrgOwnedOrShared


class VoiceVariant(StrEnum):
    SYSTEM = "SYSTEM"
    CUSTOM = "CUSTOM"


class VoiceCategory(StrEnum):
    """The reference's 12 categories, in its declared and UI order."""

    AUDIOBOOK = "AUDIOBOOK"
    CONVERSATIONAL = "CONVERSATIONAL"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    GENERAL = "GENERAL"
    NARRATIVE = "NARRATIVE"
    CHARACTERS = "CHARACTERS"
    MEDITATION = "MEDITATION"
    MOTIVATIONAL = "MOTIVATIONAL"
    PODCAST = "PODCAST"
    ADVERTISING = "ADVERTISING"
    VOICEOVER = "VOICEOVER"
    CORPORATE = "CORPORATE"

    @property
    def label(self) -> str:
        return "Customer Service" if self is VoiceCategory.CUSTOMER_SERVICE else self.value.title()


class Voice(SQLModel, OrgOwnedOrShared, table=True):
    """A voice. `org_id` is None exactly for SYSTEM voices, which every organization sees."""

    __tablename__ = "voices"

    id: str = Field(default_factory=lambda: new_id("voi"), primary_key=True)
    org_id: str | None = Field(default=None, foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    description: str | None = Field(default=None, max_length=500)
    category: str = Field(default=VoiceCategory.GENERAL, max_length=32)
    language: str = Field(default="en-US", max_length=35)  # BCP-47
    variant: str = Field(index=True, max_length=8)
    object_key: str | None = None  # storage key of the normalised reference WAV; None until the upload completes
    original_key: str | None = None  # the upload as it came (custom voices)
    duration_s: float | None = None  # of the reference sample
    engine_voice: str | None = None  # JSON: how the default engine speaks this voice (stock name or blend)
    match_status: str = Field(default="none", max_length=16)  # none | queued | running | done | failed
    match_progress: float = 0.0
    match_error: str = ""
    similarity: float | None = None  # the figure shown: match_report's held-back resemblyzer score (0..1)
    match_report: str | None = None  # JSON: how the match was made and measured (voices/match_report.py)
    created_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VoiceSettingsRow(SQLModel, OrgOwned, table=True):
    """An organization's settings of one voice (ElevenLabs' voice settings, as JSON), kept per organization so that
    built-in voices, which every organization shares, carry each organization's own. Text to speech uses `speed`
    when a request sends no settings of its own."""

    __tablename__ = "voice_settings"

    org_id: str = Field(foreign_key="organizations.id", primary_key=True, ondelete="CASCADE")
    voice_id: str = Field(foreign_key="voices.id", primary_key=True, index=True, ondelete="CASCADE")
    settings: str = "{}"  # JSON object: stability, similarity_boost, style, use_speaker_boost, speed
    updated_at: datetime = Field(default_factory=utcnow)
