"""Refuse what is not a usable recording of someone talking, with a message that says what to fix.

Run on the decoded audio as it was recorded, before any gain: a recording that is far too quiet, holds too little
speech (silero VAD: silence, music and noise don't count), or is clipped is refused. bench/speech_screening.py prints
the measurements behind the thresholds.
"""

from __future__ import annotations

import math

import numpy as np

from resonance.voices.likeness.level import clipped_fraction, gated_level_dbfs
from resonance.voices.likeness.vad import RATE, speech_only
from resonance.voices.sample_rules import NotSpeech, tenths_down

QUIET_DBFS = -50.0  # gated level under which the voice is lost in the microphone's own noise once lifted
CLIPPED_SHARE = 0.005  # share of the voiced samples piled up at a ceiling past which the voice is audibly distorted

SILENT = ("We heard nothing in this recording: it is silent. Check that the right microphone is chosen and not "
          "muted, then record again.")


def screen(samples_16k: np.ndarray, *, min_speech_seconds: float) -> None:
    """Raise `NotSpeech` unless mono float32 audio at 16 kHz is loud enough, not clipped, and holds at least
    `min_speech_seconds` of speech."""
    level = gated_level_dbfs(samples_16k, RATE)
    if level == -math.inf:
        raise NotSpeech(SILENT)
    if level < QUIET_DBFS:
        raise NotSpeech(
            f"This recording is far too quiet to hear your voice ({level:.0f} dBFS). Move closer to the microphone "
            "or turn its input level up, then record again."
        )
    voiced = speech_only(samples_16k)
    seconds = voiced.size / RATE
    if seconds < min_speech_seconds:
        raise NotSpeech(
            f"We heard only {tenths_down(seconds)} s of speech in this recording. Record at least "
            f"{min_speech_seconds:g} s of you talking (silence, music and background noise don't count)."
        )
    if clipped_fraction(voiced if voiced.size else samples_16k) > CLIPPED_SHARE:
        raise NotSpeech(
            "This recording is distorted: your voice was louder than the microphone could take, so its peaks were "
            "cut off. Turn the input level down or move back from the microphone, then record again."
        )
