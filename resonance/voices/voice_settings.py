"""Each organization's settings of the voices it speaks with (ElevenLabs' voice settings, the public API's
POST /v1/voices/{voice_id}/settings/edit).

Kept per organization and voice, built-in voices included: those are shared by every organization, so one
organization's settings of a built-in voice must never be another's. Runs in the caller's tenant session; the voice
must be one the organization sees (its own or a built-in one), else `NotFound`.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from resonance.core import text_input
from resonance.core.clock import clock
from resonance.voices.models import VoiceSettingsRow
from resonance.voices.service import get_voice

FIELDS = ("stability", "similarity_boost", "style", "use_speaker_boost", "speed")


def stored(*, session: Session, org_id: str, voice_id: str) -> dict:
    """The organization's settings of the voice, only the fields it has set ({} when none)."""
    get_voice(session=session, voice_id=voice_id)
    return _read(session.get(VoiceSettingsRow, (org_id, voice_id)))


def store(*, session: Session, org_id: str, voice_id: str, changes: dict) -> dict:
    """Set the fields in `changes` (already checked), keeping the others as they were; returns the settings now."""
    get_voice(session=session, voice_id=voice_id)
    row = session.get(VoiceSettingsRow, (org_id, voice_id)) or VoiceSettingsRow(org_id=org_id, voice_id=voice_id)
    settings = {**_read(row), **{k: v for k, v in changes.items() if k in FIELDS and v is not None}}
    row.settings, row.updated_at = json.dumps(settings, sort_keys=True), clock.now()
    session.add(row)
    return settings


def stored_speed(*, session: Session, org_id: str, voice_id: str) -> float | None:
    """The speed the organization set for the voice, or None (also for a voice it does not see)."""
    if not text_input.is_line(voice_id):  # an id no voice can have (a NUL byte would be a database error)
        return None
    speed = _read(session.get(VoiceSettingsRow, (org_id, voice_id))).get("speed")
    return float(speed) if isinstance(speed, int | float) and not isinstance(speed, bool) else None


def _read(row: VoiceSettingsRow | None) -> dict:
    if row is None:
        return {}
    try:
        settings = json.loads(row.settings)
    except ValueError:
        return {}
    return {k: v for k, v in settings.items() if k in FIELDS} if isinstance(settings, dict) else {}
