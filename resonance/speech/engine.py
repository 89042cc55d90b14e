"""The one speech-engine interface: parameters, voices, capabilities, chunks and errors (`registry.get_engine` picks one).

Engines know nothing of the database, organizations or Reflex: text, a voice spec and parameters go in, audio chunks
come out, one per piece of text, so a caller can store or play the first before the rest is done.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, Union

import numpy as np

from resonance.core.errors import Invalid, NotFound, ResonanceError

SLIDERS = ("temperature", "top_p", "top_k", "repetition_penalty")

# Engine-specific description of a voice: a stock voice name ("af_heart") or a blend {"af_heart": 0.7, ...}.
VoiceSpec = Union[str, Mapping[str, float], None]


class SpeechInputError(Invalid):
    """Text or parameters the engine cannot take; the message says which and why."""


class VoiceNotFound(NotFound):
    """The engine cannot speak as this voice (unknown stock voice, no reference audio, no spec)."""


class SpeechEngineError(ResonanceError):
    """The engine or the speech service failed; the message is safe to show."""

    status = 502


# name: (label, low, high, default); the labels are the sliders' captions in the UI.
PARAM_RANGES: dict[str, tuple[str, float, float, float]] = {
    "temperature": ("Creativity", 0.0, 2.0, 0.8),
    "top_p": ("Voice Variety", 0.0, 1.0, 0.95),
    "top_k": ("Expression Range", 1, 10_000, 1000),
    "repetition_penalty": ("Natural Flow", 1.0, 2.0, 1.2),
    "speed": ("Speed", 0.5, 2.0, 1.0),
}


@dataclass(frozen=True)
class SpeechParams:
    """The four sampling sliders and speed; out-of-range values raise `SpeechInputError` naming the control."""

    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 1000
    repetition_penalty: float = 1.2
    speed: float = 1.0

    def __post_init__(self) -> None:
        for name, (label, low, high, _) in PARAM_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise SpeechInputError(f"{label} ({name}) must be a number")
            if name == "top_k" and value != int(value):
                raise SpeechInputError(f"{label} (top_k) must be a whole number (got {value})")
            if not low <= value <= high:
                raise SpeechInputError(f"{label} ({name}) must be between {low:g} and {high:g} (got {value:g})")
        object.__setattr__(self, "top_k", int(self.top_k))

    def sliders(self) -> dict[str, float]:
        """The four sampling values, as sent over the /generate contract."""
        return {name: getattr(self, name) for name in SLIDERS}


@dataclass(frozen=True)
class EngineVoice:
    """What an engine needs to speak as a voice.

    `voice_key` is the storage key of the reference audio (what cloning engines and the /generate contract use);
    `spec` is how an engine without cloning speaks it (for Kokoro: a stock voice name or a weighted blend).
    """

    voice_key: str = ""
    spec: VoiceSpec = None

    def sidecar_key(self) -> str:
        return sidecar_key(self.voice_key)


def sidecar_key(voice_key: str) -> str:
    """Storage key of the JSON object beside the reference audio that tells the speech service the engine spec."""
    return f"{voice_key}.voice.json"


def encode_sidecar(spec: VoiceSpec, engine: str = "kokoro") -> bytes:
    """The sidecar object's bytes: {"engine": "kokoro", "spec": "af_heart" | {"af_heart": 0.7, ...}}."""
    value = dict(spec) if isinstance(spec, Mapping) else spec
    return json.dumps({"engine": engine, "spec": value}, sort_keys=True).encode()


def decode_sidecar(data: bytes, engine: str = "kokoro") -> VoiceSpec:
    """The spec in a sidecar written for `engine`; `VoiceNotFound` when it is unreadable or for another engine."""
    try:
        body = json.loads(data)
    except ValueError:
        raise VoiceNotFound("The voice's engine settings are unreadable") from None
    if not isinstance(body, dict) or body.get("engine") != engine or not body.get("spec"):
        raise VoiceNotFound(f"The voice has no {engine} settings")
    return body["spec"]


@dataclass(frozen=True)
class Capabilities:
    """What an engine really does, so the UI can enable only the controls that work."""

    name: str  # "kokoro" | "remote"
    label: str  # shown to people, e.g. "Kokoro-82M (on this server)"
    sample_rate: int
    params: frozenset[str] = frozenset()  # which of SLIDERS it uses
    supports_tags: bool = False  # [chuckle], [sigh]… performed; otherwise removed before synthesis
    clones: bool = False  # speaks from the reference audio itself ("cloned"); otherwise voices are "matched"
    supports_speed: bool = False

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "sample_rate": self.sample_rate,
            "params": sorted(self.params),
            "supports_tags": self.supports_tags,
            "clones": self.clones,
            "supports_speed": self.supports_speed,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Capabilities:
        return cls(
            name=str(data["name"]),
            label=str(data.get("label") or data["name"]),
            sample_rate=int(data["sample_rate"]),
            params=frozenset(p for p in data.get("params", ()) if p in SLIDERS),
            supports_tags=bool(data.get("supports_tags")),
            clones=bool(data.get("clones")),
            supports_speed=bool(data.get("supports_speed")),
        )


@dataclass(frozen=True)
class Chunk:
    """One finished piece of speech: mono float32 samples in [-1, 1] for `text`, the `index`-th of the request."""

    index: int
    text: str
    samples: np.ndarray = field(repr=False)
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


class Engine(Protocol):
    """A speech engine. `synthesize` validates before yielding anything, then yields chunks in text order."""

    @property
    def capabilities(self) -> Capabilities: ...

    def synthesize(self, text: str, voice: EngineVoice, params: SpeechParams | None = None) -> Iterator[Chunk]: ...

    def ready(self) -> None:
        """Raise unless the engine is loaded or can load (readiness checks); cheap, never loads a model."""

    def warm(self) -> None:
        """Pay the one-time costs (loading a model, a first connection) now, so the first request does not."""
