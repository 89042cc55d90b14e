"""Output formats of the text-to-speech endpoints, ElevenLabs' names: `mp3_<rate>_<kbps>` and `pcm_<rate>`.

PCM is raw 16-bit little-endian mono samples, no header. Audio is resampled from the engine's rate (Kokoro: 24 kHz)
and encoded piece by piece, so a stream can send each chunk of speech as soon as it is spoken: `Encoder.feed` takes
one chunk and returns the bytes ready to send, `finish` the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from resonance.speech import audio


class OutputFormat(StrEnum):
    MP3_22050_32 = "mp3_22050_32"
    MP3_24000_48 = "mp3_24000_48"
    MP3_44100_32 = "mp3_44100_32"
    MP3_44100_64 = "mp3_44100_64"
    MP3_44100_96 = "mp3_44100_96"
    MP3_44100_128 = "mp3_44100_128"
    MP3_44100_192 = "mp3_44100_192"
    PCM_8000 = "pcm_8000"
    PCM_16000 = "pcm_16000"
    PCM_22050 = "pcm_22050"
    PCM_24000 = "pcm_24000"
    PCM_32000 = "pcm_32000"
    PCM_44100 = "pcm_44100"
    PCM_48000 = "pcm_48000"


DEFAULT_FORMAT = OutputFormat.MP3_44100_128


@dataclass(frozen=True)
class Format:
    codec: str  # "mp3" | "pcm"
    sample_rate: int
    kbps: int = 0

    @property
    def media_type(self) -> str:
        return "audio/mpeg" if self.codec == "mp3" else "audio/pcm"


def parse(name: OutputFormat | str) -> Format:
    codec, rate, *kbps = str(name).split("_")
    return Format(codec, int(rate), int(kbps[0]) if kbps else 0)


class Encoder:
    """Turns mono float samples at `source_rate` into the format's bytes, chunk by chunk."""

    def __init__(self, fmt: Format):
        self.fmt = fmt
        self._mp3 = None
        if fmt.codec == "mp3":
            import lameenc

            self._mp3 = lameenc.Encoder()
            self._mp3.set_bit_rate(fmt.kbps)
            self._mp3.set_in_sample_rate(fmt.sample_rate)
            self._mp3.set_out_sample_rate(fmt.sample_rate)  # else LAME may pick a lower rate for low bit rates
            self._mp3.set_channels(1)
            self._mp3.set_quality(2)

    def feed(self, samples: np.ndarray, source_rate: int) -> bytes:
        pcm = audio.to_pcm16(audio.resample(samples, source_rate, self.fmt.sample_rate))
        return bytes(self._mp3.encode(pcm)) if self._mp3 is not None else pcm

    def finish(self) -> bytes:
        return bytes(self._mp3.flush()) if self._mp3 is not None else b""


def encode(samples: np.ndarray, source_rate: int, fmt: Format) -> bytes:
    """Whole audio at once."""
    encoder = Encoder(fmt)
    return encoder.feed(samples, source_rate) + encoder.finish()
