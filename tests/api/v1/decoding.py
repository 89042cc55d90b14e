"""Audio the API sent, decoded back with PyAV (FFmpeg): what container and codec it is, its rate and its samples."""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np

# Headerless formats: FFmpeg's demuxer for them, told the rate
RAW = {"pcm": "s16le", "ulaw": "mulaw", "alaw": "alaw"}


@dataclass(frozen=True)
class Decoded:
    container: str
    codec: str
    rate: int
    channels: int
    samples: np.ndarray  # float, mono

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    @property
    def rms(self) -> float:
        return float(np.sqrt(np.mean(self.samples.astype(np.float64) ** 2))) if self.samples.size else 0.0


def decode(data: bytes, raw: str | None = None, rate: int | None = None) -> Decoded:
    """`raw`: "pcm", "ulaw" or "alaw" for headerless bytes at `rate`."""
    options = {"format": RAW[raw], "options": {"sample_rate": str(rate)}} if raw else {}
    with av.open(io.BytesIO(data), **options) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono")
        pieces = [out.to_ndarray().ravel() for frame in container.decode(stream) for out in resampler.resample(frame)]
        return Decoded(container.format.name, stream.codec_context.name, stream.rate, stream.channels,
                       np.concatenate(pieces) if pieces else np.zeros(0, np.float32))
