"""Generation rules: validating a request, queueing it, reading history, cancelling, deleting.

Runs in the actor's tenant session: another organization's generation or custom voice is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_, update
from sqlmodel import Session, col, func, select

from resonance.billing.service import require_subscription
from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.errors import Invalid, NotFound, ResonanceError
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.orgs.principal import Principal, require_org
from resonance.speech import text as speech_text
from resonance.speech.engine import Capabilities, SpeechParams
from resonance.voices import labels
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.service import get_voice

MAX_CHARS = 5000
PAGE_SIZE = 50


class VoiceUnavailable(ResonanceError):
    """The voice exists but cannot be spoken (no audio, or not matched: still matching, or matching failed).
    `match` says where its match stands, for a client that waits for it."""

    status = 412

    def __init__(self, message: str, *, voice_id: str = "", match: labels.MatchState | None = None):
        super().__init__(message)
        self.voice_id, self.match = voice_id, match


@dataclass(frozen=True)
class GenerationRequest:
    text: str
    voice_id: str
    params: SpeechParams


def clean_text(text: str) -> str:
    text = text_input.text(text, "Text")
    if not text:
        raise Invalid("Please enter some text")
    if len(text) > MAX_CHARS:
        raise Invalid(f"Text must be at most {MAX_CHARS:,} characters (it has {len(text):,})")
    return text


def speakable(voice: Voice, capabilities: Capabilities) -> None:
    """Raise unless the active engine can speak this voice now."""
    if voice.object_key is None:
        if voice.variant != VoiceVariant.SYSTEM:
            raise VoiceUnavailable("Voice audio not available")
        if capabilities.clones:  # a cloning engine speaks from the sample, which the app is still making
            raise VoiceUnavailable("This built-in voice is still being prepared. Try again in a minute.",
                                   voice_id=voice.id)
    kind = labels.describe(voice, clones=capabilities.clones)
    if not kind.ready:
        match = kind.match
        if match.status == "failed":
            raise VoiceUnavailable(f"This voice cannot speak because matching it failed: {match.error.rstrip('.')}. "
                                   "Delete it and add it again from another recording.", voice_id=voice.id,
                                   match=match)
        raise VoiceUnavailable(f"This voice is still being matched to Kokoro voices ({round(match.progress * 100)}% "
                               "done). Try again when it is ready.", voice_id=voice.id, match=match)


def create_generation(*, session: Session, actor: Principal, request: GenerationRequest,
                      capabilities: Capabilities) -> Generation:
    """Validate and queue a generation; the job runner does the speaking."""
    require_org(actor)
    text = clean_text(request.text)
    require_subscription(actor.org_id)  # billing on: an active subscription (SubscriptionRequired otherwise)
    if not request.voice_id:
        raise Invalid("Please select a voice")
    voice = get_voice(session=session, voice_id=request.voice_id)
    speakable(voice, capabilities)
    chunks = speech_text.split(speech_text.prepare(text, keep_tags=capabilities.supports_tags))
    p = request.params
    generation = Generation(
        org_id=actor.org_id, voice_id=voice.id, voice_name=voice.name, text=text, created_by=actor.user_id,
        temperature=p.temperature, top_p=p.top_p, top_k=p.top_k, repetition_penalty=p.repetition_penalty,
        speed=p.speed, engine=capabilities.name, chunks_total=len(chunks),
    )
    session.add(generation)
    return generation


def find_generation(*, session: Session, generation_id: str) -> Generation | None:
    """The organization's generation, or None (also for an id no generation can have)."""
    return session.get(Generation, generation_id) if generation_id and text_input.is_line(generation_id) else None


def get_generation(*, session: Session, generation_id: str) -> Generation:
    generation = find_generation(session=session, generation_id=generation_id)
    if generation is None:
        raise NotFound("Generation not found")
    return generation


def characters_spoken_since(*, session: Session, since: datetime) -> int:
    """Characters of the organization's finished generations made at or after `since`."""
    total = session.exec(select(func.coalesce(func.sum(func.length(Generation.text)), 0))
                         .where(Generation.status == rows.DONE, col(Generation.created_at) >= since)).one()
    return int(total)


@dataclass(frozen=True)
class HistoryFilter:
    """Narrows the history list: one voice, a creation window (`after` <= created_at < `before`), text holding
    `search` (any case)."""

    voice_id: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    search: str = ""


def list_generations(*, session: Session, before: Generation | None = None, limit: int = PAGE_SIZE,
                     voice_id: str | None = None, where: HistoryFilter | None = None,
                     oldest_first: bool = False) -> list[Generation]:
    """The organization's generations (narrowed by `voice_id` or `where`), newest first (or `oldest_first`), a page
    at a time (`before` = the last row already shown, whichever the order)."""
    where = where or HistoryFilter(voice_id=voice_id)
    if not all(text_input.is_line(value or "") for value in (where.voice_id, where.search)):
        return []  # no voice has such an id, no text holds such a search
    created, ident = col(Generation.created_at), col(Generation.id)
    stmt = select(Generation).order_by(*((created, ident) if oldest_first else (created.desc(), ident.desc())))
    if before is not None:
        # A row-value comparison, so the (org_id, created_at, id) index seeks straight to the cursor at any depth.
        cursor = (before.created_at, before.id)
        stmt = stmt.where(tuple_(created, ident) > cursor if oldest_first else tuple_(created, ident) < cursor)
    if where.voice_id:
        stmt = stmt.where(Generation.voice_id == where.voice_id)
    if where.after is not None:
        stmt = stmt.where(col(Generation.created_at) >= where.after)
    if where.before is not None:
        stmt = stmt.where(col(Generation.created_at) < where.before)
    if where.search.strip():
        stmt = stmt.where(col(Generation.text).ilike(f"%{_escape_like(where.search.strip())}%", escape="\\"))
    return list(session.exec(stmt.limit(limit)))


def _escape_like(value: str) -> str:
    """`%` and `_` in a search are the characters themselves, not wildcards."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cancel_generation(*, session: Session, actor: Principal, generation_id: str) -> None:
    """Stop a queued or running generation. The job sees it at its next chunk and keeps nothing; usage is recorded
    only with a finished result, so nothing is billed. A conditional UPDATE, so a job finishing at that moment either
    wins (done, billed) or sees the cancel, never both."""
    require_org(actor)
    get_generation(session=session, generation_id=generation_id)  # another organization's: not found
    stopped = session.exec(
        update(Generation)
        .where(col(Generation.id) == generation_id, col(Generation.status).in_([rows.QUEUED, rows.RUNNING]))
        .values(status=rows.CANCELLED, finished_at=clock.now())
    ).rowcount
    if not stopped:
        raise Invalid("This generation has already finished.")


def delete_generation(*, session: Session, actor: Principal, generation_id: str) -> list[str]:
    """Delete a generation from history; returns the storage prefixes/keys to remove after commit."""
    require_org(actor)
    generation = get_generation(session=session, generation_id=generation_id)
    doomed = [files.audio_key(generation.org_id, generation.id), files.chunk_prefix(generation.org_id, generation.id)]
    session.delete(generation)
    return doomed
