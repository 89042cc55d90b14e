"""The prosody half of a matched voice: a blend of the stock voices whose pitch is nearest the recording's.

Kokoro's prosody predictor sets pitch and rhythm from the second half of the style vector, so the voices that speak
at the recording's pitch (median and spread, measured once per stock voice at install) give it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from resonance.voices.likeness.pitch import PitchFigures

NEAREST = 3
SPREAD_WEIGHT = 0.5  # a semitone of spread counts half as much as a semitone of median pitch
SOFTENING = 0.5  # semitones added to each distance, so an exact match does not take all the weight


def distance(a: PitchFigures, b: PitchFigures) -> float:
    """How far apart two voices' pitch is, in semitones."""
    median = 12 * math.log2(a.median_hz / b.median_hz)
    return math.hypot(median, SPREAD_WEIGHT * (a.spread_semitones - b.spread_semitones))


def prosody_blend(target: PitchFigures, stock: Mapping[str, PitchFigures], *, count: int = NEAREST) -> dict[str, float]:
    """{stock voice: weight} of the `count` voices nearest `target`, weighted by closeness; weights sum to 1."""
    nearest = sorted(stock, key=lambda name: (distance(target, stock[name]), name))[:count]
    closeness = {name: 1.0 / (distance(target, stock[name]) + SOFTENING) for name in nearest}
    total = sum(closeness.values())
    return {name: round(value / total, 3) for name, value in closeness.items()}
