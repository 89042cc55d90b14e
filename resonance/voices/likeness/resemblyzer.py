"""Resemblyzer's speaker encoder (resemblyzer 0.1.4, Apache-2.0) in numpy: mel frames, a 3-layer LSTM, linear, ReLU.

    python -m resonance.voices.likeness.resemblyzer --install Resemblyzer-0.1.4-py3-none-any.whl [--dir DIR]

The install step (scripts/env.sh `ensure_speech_models`) checks the wheel's sha256, reads its pretrained.pt with a
restricted unpickler (no torch) and writes the weights as plain arrays to `<SPEECH_MODELS_DIR>/resemblyzer-encoder.npz`;
run time loads only that file. Callers pass speech-only audio: resemblyzer's own webrtcvad trimming is left out.
"""

from __future__ import annotations

import argparse
import hashlib
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from resonance.voices.likeness.torch_checkpoint import CheckpointRefused, read_checkpoint

WEIGHTS_FILE = "resemblyzer-encoder.npz"
WHEEL_SHA256 = "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f"  # Resemblyzer-0.1.4-py3-none-any.whl
WHEEL_MEMBER = "resemblyzer/pretrained.pt"
INSTALL_HINT = "run `source scripts/env.sh && ensure_speech_models`"

SAMPLE_RATE = 16_000
N_FFT = 400  # 25 ms window
HOP = 160  # 10 ms step
N_MELS = 40
HIDDEN = 256
LAYERS = 3
PARTIAL_FRAMES = 160  # 1.6 s per partial utterance
PARTIALS_PER_SECOND = 1.3
MIN_COVERAGE = 0.75  # the last partial counts when this much of it is audio rather than padding
TARGET_DBFS = -30.0
INT16_MAX = 2**15 - 1

_SHAPES = {
    **{f"lstm.weight_ih_l{n}": (4 * HIDDEN, N_MELS if n == 0 else HIDDEN) for n in range(LAYERS)},
    **{f"lstm.{kind}_l{n}": shape for n in range(LAYERS) for kind, shape in
       (("weight_hh", (4 * HIDDEN, HIDDEN)), ("bias_ih", (4 * HIDDEN,)), ("bias_hh", (4 * HIDDEN,)))},
    "linear.weight": (HIDDEN, HIDDEN),
    "linear.bias": (HIDDEN,),
}


class EncoderMissing(RuntimeError):
    """The converted weights are not installed."""


# Install time


def install_weights(wheel: Path, models_dir: Path) -> Path:
    """Convert the resemblyzer wheel's pretrained.pt into `models_dir/WEIGHTS_FILE`; nothing is written on failure."""
    data = Path(wheel).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WHEEL_SHA256:
        raise CheckpointRefused(f"{wheel} is not the pinned resemblyzer 0.1.4 wheel (sha256 {digest})")
    with zipfile.ZipFile(Path(wheel)) as archive:
        checkpoint = read_checkpoint(archive.read(WHEEL_MEMBER))
    state = checkpoint.get("model_state") if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointRefused("the checkpoint has no model_state")
    weights = {}
    for name, shape in _SHAPES.items():
        array = state.get(name)
        if not isinstance(array, np.ndarray) or array.shape != shape:
            raise CheckpointRefused(f"the checkpoint's {name} is missing or not {shape}")
        weights[name] = array
    out = Path(models_dir) / WEIGHTS_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(tmp, **weights)
    tmp.replace(out)
    return out


# Run time


class _Encoder:
    def __init__(self, path: Path):
        with np.load(path) as saved:
            w = {name: saved[name] for name in _SHAPES}
        # torch orders the gates i, f, g, o; i, f, o first lets one sigmoid cover three of them
        order = np.r_[0 : 2 * HIDDEN, 3 * HIDDEN : 4 * HIDDEN, 2 * HIDDEN : 3 * HIDDEN]
        self.layers = [
            (
                np.ascontiguousarray(w[f"lstm.weight_ih_l{n}"][order].T),
                np.ascontiguousarray(w[f"lstm.weight_hh_l{n}"][order].T),
                (w[f"lstm.bias_ih_l{n}"] + w[f"lstm.bias_hh_l{n}"])[order],
            )
            for n in range(LAYERS)
        ]
        self.linear = (np.ascontiguousarray(w["linear.weight"].T), w["linear.bias"])

    def forward(self, mels: np.ndarray) -> np.ndarray:
        """Unit-length embeddings of a batch of partial utterances (batch, frames, N_MELS)."""
        # Each step's product is too small to share between cores: BLAS threads would mostly wait for each other.
        # The limit is process-wide, so one embedding at a time sets and restores it.
        with _forward_lock, _blas().limit(limits=1, user_api="blas"):
            return self._forward(mels)

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        batch, frames, _ = mels.shape
        seq = mels
        for w_ih, w_hh, bias in self.layers:
            gates_in = np.ascontiguousarray((seq @ w_ih + bias).transpose(1, 0, 2))  # (frames, batch, 4 * HIDDEN)
            h = np.zeros((batch, HIDDEN), np.float32)
            c = np.zeros((batch, HIDDEN), np.float32)
            out = np.empty((frames, batch, HIDDEN), np.float32)
            for t in range(frames):
                gates = gates_in[t] + h @ w_hh
                sig = 0.5 + 0.5 * np.tanh(0.5 * gates[:, : 3 * HIDDEN])  # sigmoid without overflow
                c = sig[:, HIDDEN : 2 * HIDDEN] * c + sig[:, :HIDDEN] * np.tanh(gates[:, 3 * HIDDEN :])
                h = out[t] = sig[:, 2 * HIDDEN :] * np.tanh(c)
            seq = out.transpose(1, 0, 2)
        weight, bias = self.linear
        raw = np.maximum(h @ weight + bias, 0.0)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)


@lru_cache
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_encoders: dict[Path, _Encoder] = {}
_lock = threading.Lock()
_forward_lock = threading.Lock()


def _encoder(models_dir: Path | None) -> _Encoder:
    if models_dir is None:
        from resonance.core.config import get_settings

        models_dir = get_settings().SPEECH_MODELS_DIR
    path = Path(models_dir) / WEIGHTS_FILE
    encoder = _encoders.get(path)
    if encoder is None:
        with _lock:
            encoder = _encoders.get(path)
            if encoder is None:
                if not path.is_file():
                    raise EncoderMissing(f"resemblyzer's speaker encoder is not installed ({path} is missing): "
                                         f"{INSTALL_HINT}")
                encoder = _encoders[path] = _Encoder(path)
    return encoder


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    step = 200.0 / 3
    mel = hz / step
    log = hz >= 1000.0
    return np.where(log, 1000.0 / step + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), mel)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    step = 200.0 / 3
    min_log_mel = 1000.0 / step
    return np.where(mel >= min_log_mel, 1000.0 * np.exp(np.log(6.4) / 27.0 * (mel - min_log_mel)), mel * step)


def _mel_basis() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): Slaney-normalised triangles, (N_MELS, N_FFT // 2 + 1)."""
    fft_hz = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    basis = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return basis.astype(np.float32)


_MEL_BASIS = _mel_basis()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """Power mel spectrogram as resemblyzer computes it through librosa (centred, zero-padded): (frames, N_MELS)."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP] * _WINDOW
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return (power.astype(np.float32) @ _MEL_BASIS.T).astype(np.float32)


def _normalise_volume(samples: np.ndarray) -> np.ndarray:
    """Raise quiet audio to TARGET_DBFS; louder audio is left as it is."""
    rms = np.sqrt(np.mean((samples.astype(np.float64) * INT16_MAX) ** 2))
    change = TARGET_DBFS - 20 * np.log10(rms / INT16_MAX)
    return samples if change < 0 else (samples * 10 ** (change / 20)).astype(np.float32)


def partial_starts(n_samples: int) -> list[int]:
    """First mel frame of each partial utterance, as resemblyzer's compute_partial_slices places them."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    frame_step = int(np.round(SAMPLE_RATE / PARTIALS_PER_SECOND / HOP))
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + frame_step + 1), frame_step))
    coverage = (n_samples - starts[-1] * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(starts) > 1:
        starts.pop()
    return starts


def embed(samples_16k: np.ndarray, models_dir: Path | None = None) -> np.ndarray:
    """Unit-length 256-dimensional speaker embedding of mono speech at 16 kHz (the mean over 1.6 s partials)."""
    samples = np.asarray(samples_16k, np.float32)
    if samples.ndim != 1 or not samples.size or not np.isfinite(samples).all() or not np.any(samples):
        raise ValueError("a speaker embedding needs mono audio with some sound in it")
    encoder = _encoder(models_dir)
    samples = _normalise_volume(samples)
    starts = partial_starts(len(samples))
    end = (starts[-1] + PARTIAL_FRAMES) * HOP
    if end >= len(samples):
        samples = np.pad(samples, (0, end - len(samples)))
    mels = mel_frames(samples)
    batch = mels[np.asarray(starts)[:, None] + np.arange(PARTIAL_FRAMES)]
    mean = encoder.forward(batch).mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


def main() -> None:
    from resonance.core.config import get_settings

    parser = argparse.ArgumentParser(description="Install resemblyzer's speaker encoder weights from its wheel")
    parser.add_argument("--install", type=Path, required=True, metavar="WHEEL", help="Resemblyzer-0.1.4 wheel")
    parser.add_argument("--dir", type=Path, default=None, help="models folder (default RESONANCE_SPEECH_MODELS_DIR)")
    args = parser.parse_args()
    try:
        out = install_weights(args.install, args.dir or get_settings().SPEECH_MODELS_DIR)
    except (OSError, KeyError, zipfile.BadZipFile, CheckpointRefused) as error:
        raise SystemExit(f"resemblyzer: {error}") from None
    print(f"speech: resemblyzer speaker encoder -> {out}")


if __name__ == "__main__":
    main()
