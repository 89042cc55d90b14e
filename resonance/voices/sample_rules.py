"""What an upload must be to become a voice, and the refusals: each says what was wrong, in the reference's words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from resonance.core.config import get_settings
from resonance.core.errors import Invalid

EMPTY = "Please upload an audio file"
NOT_AUDIO = "File is not a valid audio file"


class SampleRejected(Invalid):
    """An upload that cannot become a voice; `str()` is the reference's message and `status` its HTTP status."""


class EmptySample(SampleRejected):
    status = 400


class SampleTooLarge(SampleRejected):
    status = 413


class NotAudio(SampleRejected):
    status = 422


class AudioTooShort(SampleRejected):
    status = 422


class AudioTooLong(SampleRejected):
    status = 422


class NotSpeech(SampleRejected):
    """Audio, but not a usable recording of someone talking (see `likeness.screening`)."""

    status = 422


@dataclass(frozen=True)
class SampleLimits:
    max_bytes: int
    min_seconds: float
    max_seconds: float
    min_speech_seconds: float

    @classmethod
    def from_settings(cls) -> SampleLimits:
        s = get_settings()
        return cls(max_bytes=s.VOICE_MAX_BYTES, min_seconds=s.VOICE_MIN_SECONDS, max_seconds=s.VOICE_MAX_SECONDS,
                   min_speech_seconds=s.VOICE_MIN_SPEECH_SECONDS)


def check_upload_size(data: bytes, *, limits: SampleLimits | None = None) -> None:
    """The reference's first two checks: something was sent (400), and not too much (413)."""
    limits = limits or SampleLimits.from_settings()
    if not data:
        raise EmptySample(EMPTY)
    if len(data) > limits.max_bytes:
        raise SampleTooLarge(f"Audio file exceeds the {limits.max_bytes / (1024 * 1024):g} MB size limit")


def tenths_down(seconds: float) -> str:
    # Rounded down for "too short" and up for "too long", so 9.96 s is never reported as a too-short "10.0s".
    return f"{math.floor(seconds * 10 + 1e-6) / 10:.1f}"


def tenths_up(seconds: float) -> str:
    return f"{math.ceil(seconds * 10 - 1e-6) / 10:.1f}"


def spoken(seconds: float) -> str:
    """'5 minutes' for whole minutes, else '10 seconds'."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"
