"""Voice rules: listing and search, reading, editing and deleting custom voices.

Runs in the actor's tenant session, so custom voices of other organizations do not exist here; system voices
(org_id NULL) are visible to all and changeable by none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, or_, select

from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.orgs.principal import Principal, require_org
from resonance.speech.engine import sidecar_key
from resonance.voices import languages
from resonance.voices.models import Voice, VoiceCategory, VoiceVariant

MAX_NAME = 100
MAX_DESCRIPTION = 500
NOT_FOUND = "Voice not found"


@dataclass(frozen=True)
class VoiceFields:
    name: str
    category: str = VoiceCategory.GENERAL
    language: str = "en-US"
    description: str = ""


@dataclass(frozen=True)
class VoiceLists:
    custom: list[Voice]
    system: list[Voice]


def validate_fields(fields: VoiceFields) -> VoiceFields:
    """Trimmed fields, or `Invalid` with a message naming the field."""
    name = text_input.line(fields.name, "Voice name")
    if not name:
        raise Invalid("Voice name is required")
    if len(name) > MAX_NAME:
        raise Invalid(f"Voice name must be at most {MAX_NAME} characters")
    if fields.category not in VoiceCategory.__members__:
        raise Invalid("Category is required")
    language = text_input.line(fields.language, "Language")
    if not language:
        raise Invalid("Language is required")
    if not languages.is_known(language):
        raise Invalid(f"Unknown language: {language}")
    description = text_input.text(fields.description, "Description")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"Description must be at most {MAX_DESCRIPTION} characters")
    return VoiceFields(name, fields.category, language, description)


def list_voices(*, session: Session, query: str = "", category: str = "", language: str = "") -> VoiceLists:
    """Team voices newest first and built-in voices A–Z, filtered by text (name or description), category, language."""
    if not all(text_input.is_line(value) for value in (query, category, language)):
        return VoiceLists([], [])  # a search or filter holding a control character matches no voice
    # A custom voice is listed once its upload completed; a built-in one at once (its preview may still be coming).
    stmt = select(Voice).where(or_(col(Voice.object_key).is_not(None), Voice.variant == VoiceVariant.SYSTEM))
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(col(Voice.name).ilike(pattern), col(Voice.description).ilike(pattern)))
    if category:
        stmt = stmt.where(Voice.category == category)
    if language:
        stmt = stmt.where(Voice.language == language)
    rows = session.exec(stmt).all()
    custom = sorted((v for v in rows if v.variant == VoiceVariant.CUSTOM), key=lambda v: v.created_at, reverse=True)
    system = sorted((v for v in rows if v.variant == VoiceVariant.SYSTEM), key=lambda v: v.name.lower())
    return VoiceLists(custom, system)


def find_voice(*, session: Session, voice_id: str) -> Voice | None:
    """A voice the session sees (the organization's own or built-in), or None (also for an id no voice can have)."""
    return session.get(Voice, voice_id) if voice_id and text_input.is_line(voice_id) else None


def get_voice(*, session: Session, voice_id: str) -> Voice:
    voice = find_voice(session=session, voice_id=voice_id)
    if voice is None:
        raise NotFound(NOT_FOUND)
    return voice


def variants(*, session: Session, voice_ids: set[str]) -> dict[str, str]:
    """voice id → variant (custom or system) for the ids the session sees."""
    if not voice_ids:
        return {}
    return dict(session.exec(select(Voice.id, Voice.variant).where(col(Voice.id).in_(voice_ids))).all())


def count_custom_voices(*, session: Session) -> int:
    """The organization's own voices."""
    return int(session.exec(select(func.count()).select_from(Voice).where(Voice.variant == VoiceVariant.CUSTOM)).one())


def get_custom_voice(*, session: Session, actor: Principal, voice_id: str) -> Voice:
    """A custom voice of the actor's organization the actor may change (Admin, or the voice's creator)."""
    require_org(actor)
    voice = get_voice(session=session, voice_id=voice_id)
    if voice.variant != VoiceVariant.CUSTOM:
        raise NotFound(NOT_FOUND)  # built-in voices cannot be changed: to the caller they are not there to change
    if not (actor.is_admin or voice.created_by == actor.user_id):
        raise Forbidden("Only admins and the voice's creator can change it.")
    return voice


def update_voice(*, session: Session, actor: Principal, voice_id: str, fields: VoiceFields) -> Voice:
    voice = get_custom_voice(session=session, actor=actor, voice_id=voice_id)
    clean = validate_fields(fields)
    voice.name, voice.category, voice.language = clean.name, clean.category, clean.language
    voice.description, voice.updated_at = clean.description or None, clock.now()
    session.add(voice)
    return voice


def delete_voice(*, session: Session, actor: Principal, voice_id: str) -> list[str]:
    """Delete the row (its generations keep their voice name; their voice link becomes empty). Returns the storage
    keys the caller deletes once the transaction has committed."""
    voice = get_custom_voice(session=session, actor=actor, voice_id=voice_id)
    keys = recording_keys(voice)
    session.delete(voice)
    return keys


def recording_keys(voice: Voice) -> list[str]:
    """Every stored object of the voice's recording: the normalised sample, the upload as it came, the engine
    sidecar."""
    keys = [k for k in (voice.object_key, voice.original_key) if k]
    return keys + ([sidecar_key(voice.object_key)] if voice.object_key else [])
