"""What a voice is, in words, for every surface: the library's cards and edit dialog, and the public API.

A custom voice is *cloned* only when the active engine speaks from the recording itself (a remote cloning engine gets
it unchanged). With Kokoro it is *matched*: a blend of Kokoro's stock voices shaped to the recording, never a clone
of it, and the labels say so. The similarity shown is measured on speech the matcher never heard, with its scale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from resonance.speech.registry import get_engine
from resonance.voices import match_report
from resonance.voices.catalog import SYSTEM_VOICES
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.voicespec import load_spec

log = logging.getLogger("resonance.voices.labels")

PREMADE, MATCHED, CLONED = "premade", "matched", "cloned"
BADGES = {PREMADE: "Built-in", MATCHED: "Matched voice", CLONED: "Cloned"}
STATUSES = ("queued", "running", "done", "failed")
PENDING = ("queued", "running")

# What the shown figure (resemblyzer's cosine) reads for recordings of the same person (bench/voice_likeness.py
# prints each speaker's ceiling) and of different people (the speaker checks in ../shared offline-toolchain.md §5).
SAME_PERSON, DIFFERENT_PEOPLE = (85, 95), (30, 75)
SIMILARITY_SCALE = (
    "Measured on part of your recording the matcher never heard. Two recordings of the same person usually score "
    f"{SAME_PERSON[0]}–{SAME_PERSON[1]}%; different people {DIFFERENT_PEOPLE[0]}–{DIFFERENT_PEOPLE[1]}%."
)
BUILT_IN = "Built-in voice, available to every organization."
BEING_MATCHED = "Being matched to Kokoro voices…"
MATCH_FAILED = "Matching failed"
NAMED = 3  # voices named in a sentence; the rest are counted

# The names people see for the Kokoro stock voices that speak the built-in voices; other stock voices keep their ids.
_SHOWN_NAMES = {entry.kokoro: entry.name for entry in SYSTEM_VOICES}


@dataclass(frozen=True)
class MatchState:
    """The match job of a custom voice, as a client polls it."""

    status: str  # queued | running | done | failed
    progress: float  # 0..1
    similarity: float | None  # the held-back score (0..1) once done; None before, or for a voice without one
    error: str  # why it failed; "" otherwise

    @property
    def pending(self) -> bool:
        return self.status in PENDING


@dataclass(frozen=True)
class VoiceKind:
    category: str  # premade | matched | cloned
    badge: str  # "Built-in" | "Matched voice" | "Cloned"
    sentence: str  # what the voice is, or where its match stands
    similarity: float | None  # the figure to show (0..1), None when there is none to show
    match: MatchState | None  # custom voices only
    ready: bool  # the engine can speak it now: built-in and cloned voices always, matched ones once matched

    @property
    def percent(self) -> int | None:
        return None if self.similarity is None else round(self.similarity * 100)

    @property
    def similarity_text(self) -> str:
        """"72% similar", or "" — never shown without `scale`."""
        return "" if self.percent is None else f"{self.percent}% similar"

    @property
    def scale(self) -> str:
        return "" if self.similarity is None else SIMILARITY_SCALE


@dataclass(frozen=True)
class ActiveEngine:
    clones: bool
    label: str


def active_engine() -> ActiveEngine:
    """Whether the configured engine clones, and its name; a non-cloning engine when it cannot be asked, so that an
    unreachable speech service never breaks a voice list."""
    try:
        capabilities = get_engine().capabilities
    except Exception:  # noqa: BLE001 - see above
        log.warning("speech engine capabilities unavailable; labelling custom voices as matched", exc_info=True)
        return ActiveEngine(clones=False, label="")
    return ActiveEngine(clones=capabilities.clones, label=capabilities.label)


def category(variant: str, *, clones: bool) -> str:
    if variant != VoiceVariant.CUSTOM:
        return PREMADE
    return CLONED if clones else MATCHED


def match_state(voice: Voice) -> MatchState | None:
    if voice.variant != VoiceVariant.CUSTOM:
        return None
    status = voice.match_status if voice.match_status in STATUSES else "queued"
    report = match_report.load(voice)
    # Only a figure measured on held-back speech is shown: it is the one the scale describes.
    shown = voice.similarity if status == "done" and match_report.held_back(report, "resemblyzer") is not None \
        else None
    return MatchState(
        status=status,
        progress=1.0 if status == "done" else min(max(float(voice.match_progress or 0.0), 0.0), 1.0),
        similarity=shown,
        error=(voice.match_error or MATCH_FAILED) if status == "failed" else "",
    )


def describe(voice: Voice, *, clones: bool, engine: str = "") -> VoiceKind:
    """What `voice` is under an engine that does (`clones`) or does not clone; `engine` names a cloning engine."""
    kind = category(voice.variant, clones=clones)
    if kind == PREMADE:
        return VoiceKind(PREMADE, BADGES[PREMADE], BUILT_IN, None, None, ready=True)
    state = match_state(voice)
    if kind == CLONED:
        by = f" by {engine}" if engine else ""
        return VoiceKind(CLONED, BADGES[CLONED], f"Cloned from your recording{by}.", None, state, ready=True)
    ready = bool(voice.engine_voice)  # the matcher writes the Kokoro spec it speaks with when it is done
    if state.pending:
        sentence = BEING_MATCHED
    elif state.status == "failed":
        sentence = state.error
    else:
        sentence = _matched_sentence(voice)
    return VoiceKind(MATCHED, BADGES[MATCHED], sentence, state.similarity, state, ready=ready)


def _matched_sentence(voice: Voice) -> str:
    report = match_report.load(voice)
    timbre = match_report.weights(report, "timbre") or _spec_timbre(voice)
    shaped = " shaped to your pitch" if match_report.weights(report, "prosody") else ""
    names = [_SHOWN_NAMES.get(name, name) for name in timbre]
    if not names:
        made = "made from Kokoro voices"
    elif len(names) == 1:
        made = f"Kokoro voice {names[0]}"
    else:
        made = f"a blend of Kokoro voices {_listed(names)}"
    return f"Matched voice: {made}{shaped}; not a clone of your recording."


def _listed(names: list[str]) -> str:
    if len(names) > NAMED:
        return f"{', '.join(names[:NAMED])} and {len(names) - NAMED} more"
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _spec_timbre(voice: Voice) -> dict[str, float]:
    """The timbre blend of the engine spec, for voices matched before reports existed."""
    try:
        spec = load_spec(voice)
    except ValueError:
        return {}
    if isinstance(spec, str):
        return {spec: 1.0}
    if isinstance(spec, dict):
        return match_report.weights({"timbre": spec.get("timbre", spec)}, "timbre")
    return {}
