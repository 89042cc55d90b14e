"""Output formats of the speech endpoints. ElevenLabs' names: `mp3_<rate>_<kbps>`, `pcm_<rate>`, `wav_<rate>`,
`ulaw_8000`, `alaw_8000`, `opus_48000_<kbps>`; OpenAI's `aac` and `flac` are Formats too, without a name here.

- pcm: raw 16-bit little-endian mono samples, no header;
- ulaw / alaw: raw G.711 bytes (one per sample, 8 kHz), no header, as ElevenLabs sends them for telephony;
- wav: RIFF WAV, 16-bit mono PCM. Streamed, its header cannot be rewritten at the end, so its sizes read 0xFFFFFFFF
  ("until the end of the stream", which decoders accept); the whole file has its real sizes;
- opus: Ogg Opus; aac: ADTS AAC-LC; flac: native FLAC; mp3: CBR MP3 from LAME (`lameenc`).

Audio is resampled from the engine's rate (Kokoro: 24 kHz) and encoded piece by piece, so a stream can send each
chunk of speech as soon as it is spoken: `Encoder.feed` takes one chunk and returns the bytes ready to send, `finish`
the rest. Everything but mp3 and pcm is encoded and muxed by FFmpeg through PyAV.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from resonance.speech import audio


class OutputFormat(StrEnum):
    """Every output format ElevenLabs' SDK lists for text to speech."""

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
    WAV_8000 = "wav_8000"
    WAV_16000 = "wav_16000"
    WAV_22050 = "wav_22050"
    WAV_24000 = "wav_24000"
    WAV_32000 = "wav_32000"
    WAV_44100 = "wav_44100"
    WAV_48000 = "wav_48000"
    ULAW_8000 = "ulaw_8000"
    ALAW_8000 = "alaw_8000"
    OPUS_48000_32 = "opus_48000_32"
    OPUS_48000_64 = "opus_48000_64"
    OPUS_48000_96 = "opus_48000_96"
    OPUS_48000_128 = "opus_48000_128"
    OPUS_48000_192 = "opus_48000_192"


DEFAULT_FORMAT = OutputFormat.MP3_44100_128

MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "pcm": "audio/pcm",
    "wav": "audio/wav",
    "ulaw": "audio/basic",  # RFC 2046: 8 kHz mono G.711 mu-law
    "alaw": "audio/x-alaw-basic",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
}


@dataclass(frozen=True)
class Muxing:
    """How PyAV writes a codec: FFmpeg's container (muxer) and encoder names, and the muxer's options."""

    container: str
    encoder: str
    options: dict[str, str] | None = None


# The Ogg muxer holds packets until a page lasts a second; a fifth keeps a stream's audio flowing for little overhead.
_MUXINGS = {
    "wav": Muxing("wav", "pcm_s16le"),
    "ulaw": Muxing("mulaw", "pcm_mulaw"),
    "alaw": Muxing("alaw", "pcm_alaw"),
    "opus": Muxing("ogg", "libopus", {"page_duration": "200000"}),
    "aac": Muxing("adts", "aac"),
    "flac": Muxing("flac", "flac"),
}


@dataclass(frozen=True)
class Format:
    codec: str  # a key of MEDIA_TYPES
    sample_rate: int
    kbps: int = 0

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.codec]


def parse(name: OutputFormat | str) -> Format:
    codec, rate, *kbps = str(name).split("_")
    return Format(codec, int(rate), int(kbps[0]) if kbps else 0)


class _Pipe(io.RawIOBase):
    """Where a streamed container is written: not seekable (so muxers write their headers once, up front), and
    drained after each chunk."""

    def __init__(self) -> None:
        super().__init__()
        self._data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._data += data
        return len(data)

    def take(self) -> bytes:
        data, self._data = bytes(self._data), bytearray()
        return data


class _AvEncoder:
    """One mono audio stream encoded and muxed by PyAV, fed 16-bit samples at the format's rate."""

    def __init__(self, fmt: Format, *, whole: bool):
        import av

        muxing = _MUXINGS[fmt.codec]
        self._whole = whole
        self._out: io.BytesIO | _Pipe = io.BytesIO() if whole else _Pipe()
        self._container = av.open(self._out, mode="w", format=muxing.container, options=muxing.options or {})
        self._stream = self._container.add_stream(muxing.encoder, rate=fmt.sample_rate, layout="mono")
        if fmt.kbps:
            self._stream.bit_rate = fmt.kbps * 1000
        self._rate, self._pts = fmt.sample_rate, 0

    def feed(self, pcm: bytes) -> bytes:
        import av

        samples = np.frombuffer(pcm, "<i2").reshape(1, -1)
        if samples.size:
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate, frame.pts = self._rate, self._pts
            self._pts += samples.shape[1]
            self._mux(frame)
        return self._take()

    def finish(self) -> bytes:
        self._mux(None)
        self._container.close()
        return self._out.getvalue() if self._whole else self._take()

    def _mux(self, frame) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _take(self) -> bytes:
        # The whole file is read at the end: a seekable muxer (WAV) goes back to write its sizes when it closes.
        return b"" if self._whole else self._out.take()


class Encoder:
    """Turns mono float samples at `source_rate` into the format's bytes, chunk by chunk. `whole`: the bytes are
    wanted only at the end (one file), which lets a container write its real sizes."""

    def __init__(self, fmt: Format, *, whole: bool = False):
        self.fmt = fmt
        self._mp3 = self._av = None
        self._resampler: audio.StreamResampler | None = None  # one per stream, made at the first samples
        if fmt.codec == "mp3":
            import lameenc

            self._mp3 = lameenc.Encoder()
            self._mp3.set_bit_rate(fmt.kbps)
            self._mp3.set_in_sample_rate(fmt.sample_rate)
            self._mp3.set_out_sample_rate(fmt.sample_rate)  # else LAME may pick a lower rate for low bit rates
            self._mp3.set_channels(1)
            self._mp3.set_quality(2)
        elif fmt.codec != "pcm":
            self._av = _AvEncoder(fmt, whole=whole)

    def feed(self, samples: np.ndarray, source_rate: int) -> bytes:
        if self._resampler is None:
            self._resampler = audio.StreamResampler(source_rate, self.fmt.sample_rate)
        elif self._resampler.source_rate != source_rate:
            raise ValueError("one stream, one source rate")
        return self._encode(audio.to_pcm16(self._resampler.feed(samples)))

    def finish(self) -> bytes:
        tail = self._encode(audio.to_pcm16(self._resampler.finish())) if self._resampler is not None else b""
        if self._mp3 is not None:
            return tail + bytes(self._mp3.flush())
        return tail + (self._av.finish() if self._av is not None else b"")

    def _encode(self, pcm: bytes) -> bytes:
        if not pcm:
            return b""
        if self._mp3 is not None:
            return bytes(self._mp3.encode(pcm))
        return self._av.feed(pcm) if self._av is not None else pcm


def encode(samples: np.ndarray, source_rate: int, fmt: Format) -> bytes:
    """Whole audio at once."""
    encoder = Encoder(fmt, whole=True)
    return encoder.feed(samples, source_rate) + encoder.finish()
