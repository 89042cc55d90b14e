"""A matched voice's report (`Voice.match_report`, JSON): what the matcher blended and how close it came.

    {"timbre": {stock voice: weight}, "prosody": {stock voice: weight},
     "held_back": {"dvector": score, "resemblyzer": score}, "pitch_hz": median F0, "syntheses": n, "seconds": s}

The scores are measured on the part of the recording the search never heard; `Voice.similarity` repeats the
resemblyzer one, the figure people see.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from resonance.voices.models import Voice


def dump(report: Mapping) -> str:
    return json.dumps(dict(report), sort_keys=True)


def load(voice: Voice) -> dict:
    """The voice's report, or {} when it has none or it is unreadable (a label must never break a page)."""
    try:
        report = json.loads(voice.match_report) if voice.match_report else {}
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}


def weights(report: Mapping, part: str) -> dict[str, float]:
    """One blend of the report ("timbre" or "prosody") as {stock voice: weight}, largest first; {} if malformed."""
    blend = report.get(part)
    if not isinstance(blend, Mapping):
        return {}
    clean = {str(name): float(w) for name, w in blend.items()
             if isinstance(w, int | float) and math.isfinite(w) and w > 0}
    return dict(sorted(clean.items(), key=lambda item: item[1], reverse=True))


def held_back(report: Mapping, embedder: str) -> float | None:
    """The score of `embedder` ("dvector" or "resemblyzer") on the held-back part, if the report has one."""
    scores = report.get("held_back")
    score = scores.get(embedder) if isinstance(scores, Mapping) else None
    return float(score) if isinstance(score, int | float) and math.isfinite(score) else None
