"""Live input: text that arrives in pieces (as an LLM writes it) is spoken as it comes, a sentence at a time.

There is no queued row to follow while the text is still arriving, so the caller speaks each part with the engine
itself; the rules are a queued generation's, checked before anything is spoken (`open_live`: the subscription gate,
the voice in the actor's tenant session, whether the engine can speak it), and the whole session becomes ONE history
item, billed ONCE with everything spoken (`record_live`), when it ends. Knows nothing of the web layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from resonance.billing.service import count_characters, record_usage, require_subscription
from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.errors import Invalid
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.generations.service import MAX_CHARS, speakable
from resonance.jobs import rows
from resonance.orgs.principal import Principal, require_org
from resonance.orgs.scope import tenant_session
from resonance.speech import audio
from resonance.speech import text as speech_text
from resonance.speech.engine import Capabilities, EngineVoice, SpeechParams
from resonance.storage import get_storage
from resonance.voices.models import Voice
from resonance.voices.service import get_voice
from resonance.voices.voicespec import engine_voice_for

# ElevenLabs' default `chunk_length_schedule`: the first part is spoken once 120 characters wait, the next at 160…
DEFAULT_SCHEDULE = (120, 160, 250, 290)
SCHEDULE_RANGE = (50, 500)  # each step, as ElevenLabs allows


@dataclass(frozen=True)
class LiveVoice:
    voice_id: str
    voice_name: str
    engine_voice: EngineVoice


def open_live(actor: Principal, voice_id: str, capabilities: Capabilities) -> LiveVoice:
    """The voice to speak with, once the rules allow it; raises the service's errors (NotFound for another
    organization's voice, SubscriptionRequired, VoiceUnavailable) before anything is spoken."""
    require_org(actor)
    require_subscription(actor.org_id)
    if not voice_id:
        raise Invalid("Please select a voice")
    with tenant_session(actor.org_id) as session:
        voice = get_voice(session=session, voice_id=voice_id)
        speakable(voice, capabilities)
        return LiveVoice(voice.id, voice.name, engine_voice_for(voice))


def check_schedule(schedule: object) -> tuple[int, ...]:
    """A client's `chunk_length_schedule`: 1 to 10 numbers of characters, each 50–500."""
    low, high = SCHEDULE_RANGE
    if (not isinstance(schedule, list) or not 1 <= len(schedule) <= 10
            or not all(isinstance(n, (int, float)) and not isinstance(n, bool) and low <= n <= high
                       for n in schedule)):
        raise Invalid(f"chunk_length_schedule must be a list of 1 to 10 numbers, each {low}–{high}")
    return tuple(int(n) for n in schedule)


@dataclass
class LiveText:
    """The text of a session: what is spoken, and what waits in the buffer until a part of it is ready.

    A part is ready when a sentence has ended, or when the buffer holds the schedule's next number of characters
    (cut after the last whole word); `auto` speaks whatever each message brings; `flush` speaks the whole buffer.
    """

    schedule: tuple[int, ...] = DEFAULT_SCHEDULE
    auto: bool = False
    spoken: str = ""
    pending: str = ""
    parts: int = 0

    def add(self, piece: str) -> None:
        """Append a message's text; whitespace after whitespace is a keep-alive, not text. `Invalid` when the
        session would pass the app's limit of characters, or for control characters."""
        text_input.text(piece, "Text")  # control characters are refused as everywhere in the app
        so_far = self.spoken + self.pending
        if not piece.strip() and (not so_far or so_far[-1].isspace()):
            return
        total = len((so_far + piece).strip())
        if total > MAX_CHARS:
            raise Invalid(f"Text must be at most {MAX_CHARS:,} characters per connection (this message brings it "
                          f"to {total:,}). Open a new connection for more.")
        self.pending += piece

    def take(self, *, flush: bool = False) -> str | None:
        """The next part to speak now, or None while the buffer waits for more."""
        if flush or self.auto:
            cut = len(self.pending)
        else:
            cut = speech_text.complete_prefix(self.pending)
            if len(self.pending) >= self.schedule[min(self.parts, len(self.schedule) - 1)]:
                cut = max(cut, _last_space(self.pending))
        part, rest = self.pending[:cut], self.pending[cut:]
        if not part.strip():
            return None
        self.spoken, self.pending, self.parts = self.spoken + part, rest, self.parts + 1
        return part


def _last_space(text: str) -> int:
    match = re.search(r"\s(?=\S*$)", text)
    return match.end() if match else 0


def sayable(part: str) -> bool:
    """Punctuation alone has nothing to say: it stays in the text, with no audio."""
    return re.search(r"\w", part) is not None


@dataclass
class LiveAudio:
    """The audio spoken so far, at the engine's rate."""

    parts: list[np.ndarray] = field(default_factory=list)
    rate: int = 24_000
    started_at: datetime = field(default_factory=clock.now)

    def add(self, samples: np.ndarray, rate: int) -> None:
        self.parts.append(samples)
        self.rate = rate


def record_live(actor: Principal, voice: LiveVoice, text: LiveText, spoken: LiveAudio, *, params: SpeechParams,
                capabilities: Capabilities) -> str | None:
    """The session's one history item (done, with its whole audio) and its one usage record, in one transaction;
    None when nothing was spoken."""
    said = text.spoken.strip()
    if not said or not spoken.parts:
        return None
    whole = audio.concat(spoken.parts, spoken.rate)
    generation = Generation(
        org_id=actor.org_id, voice_name=voice.voice_name, text=said, created_by=actor.user_id, speed=params.speed,
        engine=capabilities.name, chunks_total=text.parts, chunks_done=text.parts, status=rows.DONE, progress=1.0,
        duration_s=round(len(whole) / spoken.rate, 2), started_at=spoken.started_at, finished_at=clock.now(),
    )
    generation.object_key = files.audio_key(actor.org_id, generation.id)
    get_storage().put(generation.object_key, audio.to_wav(whole, spoken.rate), "audio/wav")
    with tenant_session(actor.org_id) as session:
        # The voice may have been deleted while it spoke: history keeps its name, as for any deleted voice.
        generation.voice_id = voice.voice_id if session.get(Voice, voice.voice_id) is not None else None
        session.add(generation)
        record_usage(session, org_id=actor.org_id, kind="tts_generation", characters=count_characters(said),
                     source_id=generation.id)
        return generation.id
