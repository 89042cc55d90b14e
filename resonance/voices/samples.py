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

from resonance.voices.containers import Container, sniff_container
from resonance.voices.likeness.level import gated_level_dbfs
from resonance.voices.likeness.screening import screen
from resonance.voices.sample_rules import (
    NOT_AUDIO,
    AudioTooLong,
    AudioTooShort,
    NotAudio,
    SampleLimits,
    check_upload_size,
    spoken,
    tenths_down,
    tenths_up,
)

OUTPUT_RATE = 24_000  # the normalised WAV: what the engines and previews use
EMBED_RATE = 16_000  # what speaker-embedding models take
TARGET_DBFS = -20.0  # gated RMS level of the normalised audio, about where speech sits in broadcast (-23..-16 LUFS)
PEAK_CEILING_DBFS = -1.0  # the gain never pushes a peak above this
MAX_GAIN_DB = 40.0  # nor lifts a near-silent recording's noise floor by more than this
DECODE_MARGIN_SECONDS = 1.0  # decoded past the maximum before stopping, so "too long" is certain


@dataclass(frozen=True)
class PreparedSample:
    """An accepted upload: what it really is, and the audio made from it."""

    container: str  # wav, mp3, aac, flac, ogg, mp4, webm, matroska, aiff, caf
    codec: str  # ffmpeg's decoder name: pcm_s16le, mp3float, flac, opus, aac, ...
    content_type: str  # to store the original with: audio/wav, audio/mpeg, audio/flac, audio/ogg, audio/mp4, ...
    extension: str  # for the upload's download name: .wav, .mp3, .flac, .ogg, .m4a, .webm, ...
    duration_s: float  # measured on the decoded samples
    sample_rate: int  # of the original audio stream
    channels: int
    wav: bytes  # normalised: mono, 16-bit PCM, 24 kHz, loudness-normalised
    samples_16k: np.ndarray  # float32 mono at 16 kHz with the same gain, for speaker embeddings


def prepare_sample(data: bytes, *, declared_type: str | None, limits: SampleLimits | None = None) -> PreparedSample:
    """Check and decode an uploaded voice sample, whatever `declared_type` says (it is never trusted).

    Raises `EmptySample`, `SampleTooLarge`, `NotAudio`, `AudioTooShort`, `AudioTooLong` or `NotSpeech`, all
    `Invalid`.
    """
    limits = limits or SampleLimits.from_settings()
    data = bytes(data)
    check_upload_size(data, limits=limits)
    kind = sniff_container(data)
    if kind is None:
        raise NotAudio(NOT_AUDIO)
    decoded = _decode(data, kind, stop_after=limits.max_seconds + DECODE_MARGIN_SECONDS)
    if decoded.seconds > limits.max_seconds:
        shown = max(decoded.seconds, decoded.declared_seconds if decoded.stopped_early else 0.0)
        raise AudioTooLong(f"Audio too long ({tenths_up(shown)}s). Maximum duration is {spoken(limits.max_seconds)}.")
    if decoded.seconds < limits.min_seconds:
        raise AudioTooShort(
            f"Audio too short ({tenths_down(decoded.seconds)}s). Minimum duration is {spoken(limits.min_seconds)}."
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


def _decode(data: bytes, kind: Container, *, stop_after: float) -> _Decoded:
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
