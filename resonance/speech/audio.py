"""Audio helpers on mono float32 samples: loudness, resampling, joining, and WAV/MP3 encoding and WAV decoding."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterable

import numpy as np

TARGET_DBFS = -20.0  # RMS of the voiced part
PEAK_DBFS = -1.0  # ceiling no sample may pass after normalisation
_GATE_DBFS = -45.0  # frames quieter than this are pauses and do not count towards loudness
_FRAME_SECONDS = 0.02


def _db(value: float) -> float:
    return 10 ** (value / 20)


def loudness_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """RMS level of the voiced frames in dBFS (-inf for silence)."""
    voiced = _voiced(np.asarray(samples, np.float32), sample_rate)
    if voiced.size == 0:
        return float("-inf")
    return float(20 * np.log10(np.sqrt(np.mean(voiced.astype(np.float64) ** 2))))


def normalize(samples: np.ndarray, sample_rate: int, target_dbfs: float = TARGET_DBFS,
              peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    """Scale so the voiced part sits at `target_dbfs` RMS, lowered if needed so no peak passes `peak_dbfs`."""
    samples = np.asarray(samples, np.float32)
    level = loudness_dbfs(samples, sample_rate)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if level == float("-inf") or peak == 0.0:
        return samples.copy()
    gain = min(_db(target_dbfs - level), _db(peak_dbfs) / peak)
    return (samples * gain).astype(np.float32)


def _voiced(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    frame = max(1, int(sample_rate * _FRAME_SECONDS))
    usable = samples[: len(samples) // frame * frame]
    if usable.size == 0:
        return samples
    frames = usable.reshape(-1, frame)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return frames[rms > _db(_GATE_DBFS)].ravel()


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Band-limited resampling by FFT (exact for whole clips; fine up to several minutes of audio)."""
    samples = np.asarray(samples, np.float32)
    if source_rate == target_rate or samples.size == 0:
        return samples
    count = max(1, round(len(samples) * target_rate / source_rate))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    keep = min(len(spectrum), count // 2 + 1)
    out = np.fft.irfft(spectrum[:keep], n=count) * (count / len(samples))
    return out.astype(np.float32)


class StreamResampler:
    """One stream's resampling, piece by piece (FFmpeg's swresample through PyAV): its filter state carries across
    pieces, so chunk boundaries leave no seams. `finish()` returns what the filter still holds."""

    def __init__(self, source_rate: int, target_rate: int) -> None:
        self.source_rate, self.target_rate = source_rate, target_rate
        self._resampler = None
        if source_rate != target_rate:
            import av

            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=target_rate)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, np.float32)
        if self._resampler is None or samples.size == 0:
            return samples
        import av

        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = self.source_rate
        return self._collect(self._resampler.resample(frame))

    def finish(self) -> np.ndarray:
        if self._resampler is None:
            return np.zeros(0, np.float32)
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames) -> np.ndarray:
        if not frames:
            return np.zeros(0, np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32, copy=False)


def concat(parts: Iterable[np.ndarray], sample_rate: int, gap_seconds: float = 0.0) -> np.ndarray:
    """Join parts in order with `gap_seconds` of silence between them."""
    gap = np.zeros(int(sample_rate * gap_seconds), np.float32)
    pieces: list[np.ndarray] = []
    for part in parts:
        if pieces and gap.size:
            pieces.append(gap)
        pieces.append(np.asarray(part, np.float32))
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def to_pcm16(samples: np.ndarray) -> bytes:
    clipped = np.clip(np.asarray(samples, np.float32), -1.0, 1.0)
    return (clipped * 32767.0).round().astype("<i2").tobytes()


def to_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM mono WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(to_pcm16(samples))
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode WAV (PCM 8/16/24/32-bit or float) to mono float32 samples and the sample rate; ValueError if not WAV."""
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise ValueError(f"Not readable as WAV audio: {error}") from None
    return samples.mean(axis=1).astype(np.float32), int(rate)


def wav_duration(data: bytes) -> float:
    """Seconds of audio in a WAV file, read from its header."""
    import soundfile

    info = soundfile.info(io.BytesIO(data))
    return info.frames / info.samplerate


def mp3_available() -> bool:
    try:
        import lameenc  # noqa: F401
    except ImportError:
        return False
    return True


def to_mp3(samples: np.ndarray, sample_rate: int, bitrate_kbps: int = 128) -> bytes:
    """MP3 (CBR, mono) with the LAME encoder from the `lameenc` wheel."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(int(sample_rate))
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(to_pcm16(samples)) + encoder.flush())


def wav_to_mp3(data: bytes, bitrate_kbps: int = 128) -> bytes:
    """Convert a WAV file (as stored for a generation) to MP3."""
    samples, rate = read_wav(data)
    return to_mp3(samples, rate, bitrate_kbps)
