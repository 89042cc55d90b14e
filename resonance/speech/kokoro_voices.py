"""Kokoro's 28 English stock voices and the voice specs built from them: a stock voice name, a weighted blend (the
style vectors are mixed), or a shaped voice whose two halves of the style vector come from different blends (see
`Shape`). American voices speak en-us, British ones en-gb."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from resonance.speech.engine import VoiceNotFound, VoiceSpec

_ACCENTS = {"a": ("American", "en-us"), "b": ("British", "en-gb")}
_GENDERS = {"f": "female", "m": "male"}


@dataclass(frozen=True)
class StockVoice:
    name: str  # "af_heart"
    gender: str  # "female" | "male"
    accent: str  # "American" | "British"
    lang: str  # espeak language: "en-us" | "en-gb"


STOCK_VOICES: tuple[StockVoice, ...] = tuple(
    StockVoice(name, _GENDERS[name[1]], *_ACCENTS[name[0]])
    for name in (
        "af_alloy af_aoede af_bella af_heart af_jessica af_kore af_nicole af_nova af_river af_sarah af_sky "
        "am_adam am_echo am_eric am_fenrir am_liam am_michael am_onyx am_puck am_santa "
        "bf_alice bf_emma bf_isabella bf_lily bm_daniel bm_fable bm_george bm_lewis"
    ).split()
)
STOCK = {voice.name: voice for voice in STOCK_VOICES}


def blend(spec: VoiceSpec) -> dict[str, float]:
    """`spec` as {stock voice: weight} with weights summing to 1; `VoiceNotFound` for unknown or empty specs."""
    if isinstance(spec, str):
        weights = {spec: 1.0}
    elif isinstance(spec, Mapping):
        weights = {str(name): float(weight) for name, weight in spec.items()}
    else:
        raise VoiceNotFound("The voice has no Kokoro voice to speak with")
    unknown = sorted(name for name in weights if name not in STOCK)
    if unknown:
        raise VoiceNotFound(f"Unknown Kokoro voice: {', '.join(unknown)}")
    if any(not np.isfinite(w) or w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise VoiceNotFound("A Kokoro voice blend needs positive weights")
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items() if weight > 0}


# Kokoro's style vector has two halves: the decoder reads the first (timbre: how the voice sounds), the prosody
# predictor the second (pitch, energy and rhythm). Voice matching builds them separately.
STYLE_SIZE = 256
TIMBRE = slice(0, STYLE_SIZE // 2)
PROSODY = slice(STYLE_SIZE // 2, STYLE_SIZE)
MAX_SHIFT = 5.0  # largest shift component a spec may carry: far past any stock voice's values, short of overflow


@dataclass(frozen=True)
class Shape:
    """A voice built half by half: timbre = `timbre` blend + `shift`, prosody = `prosody` blend."""

    timbre: dict[str, float]
    prosody: dict[str, float]
    shift: tuple[float, ...] = ()  # added to every row of the timbre half; empty for none

    def spec(self) -> dict:
        """The JSON-able spec that `shape` reads back."""
        value: dict = {"timbre": dict(self.timbre), "prosody": dict(self.prosody)}
        if self.shift:
            value["shift"] = [round(float(x), 5) for x in self.shift]
        return value


def shape(spec: VoiceSpec) -> Shape:
    """Any spec as a `Shape`; a name or a blend uses the same blend for both halves. `VoiceNotFound` when invalid."""
    if isinstance(spec, Mapping) and "timbre" in spec:
        timbre, prosody = blend(spec.get("timbre")), blend(spec.get("prosody"))
        shift = spec.get("shift") or ()
        try:
            shift = tuple(float(x) for x in shift)
        except (TypeError, ValueError):
            raise VoiceNotFound("A shaped Kokoro voice has an unreadable shift") from None
        if shift and (len(shift) != TIMBRE.stop - TIMBRE.start
                      or not all(np.isfinite(x) and abs(x) <= MAX_SHIFT for x in shift)):
            raise VoiceNotFound("A shaped Kokoro voice has an invalid shift")
        return Shape(timbre, prosody, shift)
    weights = blend(spec)
    return Shape(weights, weights)


def language(spec: VoiceSpec) -> str:
    """en-us or en-gb, from the prosody's voice with the largest weight (the accent is in the rhythm)."""
    weights = shape(spec).prosody
    return STOCK[max(weights, key=weights.get)].lang
