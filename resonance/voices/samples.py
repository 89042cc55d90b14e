"""Custom voice samples: check an upload, decode it ourselves, and make the normalised reference audio.

Nothing the client says about the file is trusted. The container is recognised from the bytes' own signature and
only a short list of audio containers is ever opened, each with its demuxer named explicitly; ffmpeg's playlist,
script and image demuxers (HLS, concat, ...), which can open other files, are never reached. The audio is then decoded
with PyAV (ffmpeg), the duration measured on the decoded samples, and decoding stops a little past the maximum
duration, so a tiny file that claims hours of audio costs no more than a legitimate one.
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass

import av
import numpy as np

from resonance.core.config import get_settings
from resonance.core.errors import Invalid
from resonance.voices.likeness.level import gated_level_dbfs

OUTPUT_RATE = 24_000  # the normalised WAV: what the engines and previews use
EMBED_RATE = 16_000  # what speaker-embedding models take
TARGET_DBFS = -20.0  # gated RMS level of the normalised audio, about where speech sits in broadcast (-23..-16 LUFS)
PEAK_CEILING_DBFS = -1.0  # the gain never pushes a peak above this
MAX_GAIN_DB = 40.0  # nor lifts a near-silent recording's noise floor by more than this
DECODE_MARGIN_SECONDS = 1.0  # decoded past the maximum before stopping, so "too long" is certain

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


@dataclass(frozen=True)
class PreparedSample:
    """An accepted upload: what it really is, and the audio made from it."""

    container: str  # wav, mp3, aac, flac, ogg, mp4, webm, matroska, aiff, caf
    codec: str  # ffmpeg's decoder name: pcm_s16le, mp3float, flac, opus, aac, ...
    content_type: str  # to store the original with: audio/wav, audio/mpeg, audio/flac, audio/ogg, audio/mp4, ...
    extension: str  # for the original's download name: .wav, .mp3, .flac, .ogg, .m4a, .webm, ...
    duration_s: float  # measured on the decoded samples
    sample_rate: int  # of the original audio stream
    channels: int
    wav: bytes  # normalised: mono, 16-bit PCM, 24 kHz, loudness-normalised
    samples_16k: np.ndarray  # float32 mono at 16 kHz with the same gain, for speaker embeddings


@dataclass(frozen=True)
class _Container:
    demuxer: str  # the ffmpeg demuxer opened, never guessed by ffmpeg
    name: str
    content_type: str
    extension: str


WAV = _Container("wav", "wav", "audio/wav", ".wav")
MP3 = _Container("mp3", "mp3", "audio/mpeg", ".mp3")
AAC = _Container("aac", "aac", "audio/aac", ".aac")
FLAC = _Container("flac", "flac", "audio/flac", ".flac")
OGG = _Container("ogg", "ogg", "audio/ogg", ".ogg")
MP4 = _Container("mov", "mp4", "audio/mp4", ".m4a")
WEBM = _Container("matroska", "webm", "audio/webm", ".webm")
MATROSKA = _Container("matroska", "matroska", "audio/x-matroska", ".mka")
AIFF = _Container("aiff", "aiff", "audio/aiff", ".aiff")
CAF = _Container("caf", "caf", "audio/x-caf", ".caf")


def check_upload_size(data: bytes, *, limits: SampleLimits | None = None) -> None:
    """The reference's first two checks: something was sent (400), and not too much (413)."""
    limits = limits or SampleLimits.from_settings()
    if not data:
        raise EmptySample(EMPTY)
    if len(data) > limits.max_bytes:
        raise SampleTooLarge(f"Audio file exceeds the {limits.max_bytes / (1024 * 1024):g} MB size limit")


def prepare_sample(data: bytes, *, declared_type: str | None, limits: SampleLimits | None = None) -> PreparedSample:
    """Check and decode an uploaded voice sample, whatever `declared_type` says (it is never trusted).

    Raises `EmptySample`, `SampleTooLarge`, `NotAudio`, `AudioTooShort`, `AudioTooLong` or `NotSpeech`, all
    `Invalid`.
    """
    # Imported here: screening raises this module's NotSpeech.
    from resonance.voices.likeness.screening import screen

    limits = limits or SampleLimits.from_settings()
    data = bytes(data)
    check_upload_size(data, limits=limits)
    kind = sniff_container(data)
    if kind is None:
        raise NotAudio(NOT_AUDIO)
    decoded = _decode(data, kind, stop_after=limits.max_seconds + DECODE_MARGIN_SECONDS)
    if decoded.seconds > limits.max_seconds:
        shown = max(decoded.seconds, decoded.declared_seconds if decoded.stopped_early else 0.0)
        raise AudioTooLong(f"Audio too long ({tenths_up(shown)}s). Maximum duration is {_spoken(limits.max_seconds)}.")
    if decoded.seconds < limits.min_seconds:
        raise AudioTooShort(
            f"Audio too short ({tenths_down(decoded.seconds)}s). Minimum duration is {_spoken(limits.min_seconds)}."
        )
    screen(decoded.mono_16k, min_speech_seconds=limits.min_speech_seconds)  # as recorded: before any gain
    gain = _loudness_gain(decoded.mono_24k)
    return PreparedSample(
        container=kind.name,
        codec=decoded.codec,
        content_type=kind.content_type,
        extension=kind.extension,
        duration_s=decoded.seconds,
        sample_rate=decoded.sample_rate,
        channels=decoded.channels,
        wav=_wav_bytes(decoded.mono_24k * gain, OUTPUT_RATE),
        samples_16k=np.clip(decoded.mono_16k * gain, -1.0, 1.0).astype(np.float32),
    )


def sniff_container(data: bytes) -> _Container | None:
    """The audio container the bytes' signature shows, or None for anything else (text, images, archives...)."""
    head = data[:64]
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        return OGG
    if head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: the DocType near the start tells WebM from Matroska
        return WEBM if b"webm" in head else MATROSKA
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return AIFF
    if head[:4] == b"caff":
        return CAF
    if head[:3] == b"ID3" and len(head) >= 10:  # an ID3v2 tag may precede MP3, AAC or FLAC
        size = 10 + _syncsafe(head[6:10]) + (10 if head[5] & 0x10 else 0)
        if data[size : size + 4] == b"fLaC":
            return FLAC
        return AAC if _is_adts(data, size) else MP3
    if _is_adts(data):
        return AAC
    if _is_mpeg_audio(data):
        return MP3
    return None


@dataclass(frozen=True)
class _Decoded:
    codec: str
    sample_rate: int
    channels: int
    seconds: float  # decoded
    declared_seconds: float  # what the container claims (only shown when decoding stopped early)
    stopped_early: bool
    mono_24k: np.ndarray
    mono_16k: np.ndarray


def _decode(data: bytes, kind: _Container, *, stop_after: float) -> _Decoded:
    try:
        container = av.open(io.BytesIO(data), mode="r", format=kind.demuxer, metadata_errors="ignore")
    except (av.FFmpegError, ValueError, OSError):
        raise NotAudio(NOT_AUDIO) from None
    with container:
        if not container.streams.audio:
            raise NotAudio(NOT_AUDIO)
        stream = container.streams.audio[0]
        to_24k, to_16k = _Mono(OUTPUT_RATE), _Mono(EMBED_RATE)
        seconds, stopped = _decode_into(container, stream, (to_24k, to_16k), stop_after=stop_after)
        if seconds <= 0:
            raise NotAudio(NOT_AUDIO)
        declared = container.duration / av.time_base if container.duration and container.duration > 0 else 0.0
        context = stream.codec_context
        return _Decoded(
            codec=context.name,
            sample_rate=int(context.sample_rate or 0),
            channels=int(context.channels or 0),
            seconds=seconds,
            declared_seconds=declared,
            stopped_early=stopped,
            mono_24k=to_24k.finish(flush=not stopped),
            mono_16k=to_16k.finish(flush=not stopped),
        )


def _decode_into(container, stream, outputs: tuple[_Mono, ...], *, stop_after: float) -> tuple[float, bool]:
    """Decode `stream` into `outputs` until it ends or passes `stop_after` seconds; (seconds, stopped early)."""
    seconds = 0.0
    # Real codecs put at least ~1 ms in a packet: a flood of empty or undecodable ones is refused, not ground through.
    packets_left = int(stop_after * 1000) + 1000
    try:
        for packet in container.demux(stream):
            packets_left -= 1
            if packets_left < 0:
                raise NotAudio(NOT_AUDIO)
            for frame in packet.decode():
                if not frame.samples or not frame.sample_rate:
                    continue
                seconds += frame.samples / frame.sample_rate
                for output in outputs:
                    output.add(frame)
                if seconds > stop_after:
                    return seconds, True
    except (av.FFmpegError, ValueError, OSError):
        pass  # damaged or cut short: keep what decoded, as players do; nothing decoded is refused by the caller
    return seconds, False


class _Mono:
    """Resamples decoded frames to mono float32 at one rate, following format changes mid-stream."""

    def __init__(self, rate: int):
        self.rate = rate
        self.chunks: list[np.ndarray] = []
        self.resampler: av.AudioResampler | None = None
        self.shape: tuple | None = None

    def add(self, frame: av.AudioFrame) -> None:
        shape = (frame.format.name, frame.layout.name, frame.sample_rate)
        if shape != self.shape:
            self._flush()
            self.resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
            self.shape = shape
        frame.pts = None  # timestamps of damaged files confuse the resampler; only the samples matter here
        self._keep(self.resampler.resample(frame))

    def finish(self, *, flush: bool) -> np.ndarray:
        if flush:
            self._flush()
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self.chunks).astype(np.float32, copy=False)

    def _flush(self) -> None:
        if self.resampler is not None:
            self._keep(self.resampler.resample(None))

    def _keep(self, frames: list[av.AudioFrame]) -> None:
        self.chunks.extend(out.to_ndarray().reshape(-1) for out in frames)


def _loudness_gain(samples: np.ndarray) -> float:
    """Linear gain bringing the gated level to TARGET_DBFS, limited by the peak ceiling and MAX_GAIN_DB."""
    level_db = gated_level_dbfs(samples, OUTPUT_RATE)
    if level_db == -math.inf:
        return 1.0  # silence: nothing to normalise
    gain_db = min(TARGET_DBFS - level_db, MAX_GAIN_DB)
    peak = float(np.max(np.abs(samples)))
    if peak > 0:
        gain_db = min(gain_db, PEAK_CEILING_DBFS - 20 * math.log10(peak))
    return 10 ** (gain_db / 20)


def _wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm.tobytes())
    return out.getvalue()


def tenths_down(seconds: float) -> str:
    # Rounded down for "too short" and up for "too long", so 9.96 s is never reported as a too-short "10.0s".
    return f"{math.floor(seconds * 10 + 1e-6) / 10:.1f}"


def tenths_up(seconds: float) -> str:
    return f"{math.ceil(seconds * 10 - 1e-6) / 10:.1f}"


def _spoken(seconds: float) -> str:
    """'5 minutes' for whole minutes, else '10 seconds'."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def _syncsafe(four: bytes) -> int:
    return (four[0] & 0x7F) << 21 | (four[1] & 0x7F) << 14 | (four[2] & 0x7F) << 7 | (four[3] & 0x7F)


def _adts_frame(data: bytes, at: int) -> tuple[tuple[int, int, int], int] | None:
    """(profile, rate index, channels) and length of the ADTS AAC frame whose header starts at `at`, if one does."""
    head = data[at : at + 7]
    if len(head) < 7 or head[0] != 0xFF or (head[1] & 0xF6) != 0xF0:
        return None
    length = (head[3] & 3) << 11 | head[4] << 3 | head[5] >> 5
    rate_index = (head[2] >> 2) & 15
    if length < 7 or rate_index > 12:
        return None
    return (head[2] >> 6, rate_index, (head[2] & 1) << 2 | head[3] >> 6), length


def _is_adts(data: bytes, at: int = 0) -> bool:
    return _chained(data, at, _adts_frame)


_KBPS = {  # (MPEG-1?, layer) -> bitrate by index
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame(data: bytes, at: int) -> tuple[tuple[int, int, int], int] | None:
    """(version, layer, rate) and length of the MPEG audio frame whose header starts at `at`, if one does."""
    head = data[at : at + 4]
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 3, 4 - ((head[1] >> 1) & 3)
    bitrate_index, rate_index, padding = head[2] >> 4, (head[2] >> 2) & 3, (head[2] >> 1) & 1
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps, rate = _KBPS[(version == 3, layer)][bitrate_index], _RATES[version][rate_index]
    if layer == 1:
        length = (12 * kbps * 1000 // rate + padding) * 4
    else:
        length = (72 if layer == 3 and version != 3 else 144) * kbps * 1000 // rate + padding
    return (version, layer, rate), length


def _is_mpeg_audio(data: bytes, at: int = 0) -> bool:
    return _chained(data, at, _mpeg_frame)


def _chained(data: bytes, at: int, read_frame, frames: int = 3) -> bool:
    """Whether `data` has `frames` chained frames of one kind from `at`, as ffmpeg's own probes ask: a header-like
    pair of bytes alone is common in random data."""
    kind = None
    for _ in range(frames):
        frame = read_frame(data, at)
        if frame is None or (kind is not None and frame[0] != kind):
            return False
        kind, at = frame[0], at + frame[1]
        if at >= len(data):  # a file shorter than the frames asked for: its frames so far agree
            return True
    return True
