"""Fundamental frequency (F0) of a voice with YIN (de Cheveigné & Kawahara, 2002), vectorised over frames in numpy.

Frames are 10 ms apart. A frame counts as voiced when YIN's cumulative-mean-normalised difference dips under
`THRESHOLD` at some lag in the 50–500 Hz range (periodic enough) and it is within `ENERGY_GATE_DB` of the loudest
frames (not a pause); the first such dip is taken, which is what keeps YIN off the octave below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE = 16_000
MIN_HZ, MAX_HZ = 50.0, 500.0
HOP = RATE // 100
WINDOW = 400  # 25 ms integration window: two periods at 80 Hz
THRESHOLD = 0.15  # YIN's absolute threshold on the normalised difference
ENERGY_GATE_DB = -35.0  # relative to the 95th percentile of frame energy

_MIN_LAG = int(RATE / MAX_HZ)
_MAX_LAG = int(np.ceil(RATE / MIN_HZ))
_BLOCK = 2000  # frames analysed at once: bounds memory on long recordings


@dataclass(frozen=True)
class PitchFigures:
    """Where a voice sits and how much it moves.

    `median_hz`: median F0 over voiced frames. `spread_semitones`: interquartile range of F0 in semitones (the middle
    half of the voiced frames lies within it); the IQR rather than a standard deviation, so the odd octave error or
    creaky frame does not dominate. Both 0.0 when no frame is voiced.
    """

    median_hz: float
    spread_semitones: float


def f0_track(samples_16k: np.ndarray) -> np.ndarray:
    """F0 in Hz of each voiced 10 ms frame of mono float32 audio at 16 kHz, in order (unvoiced frames left out)."""
    x = np.asarray(samples_16k, np.float64)
    span = WINDOW + _MAX_LAG + 1
    if x.size < span:
        return np.zeros(0)
    x = x - x.mean()
    starts = np.arange(0, x.size - span + 1, HOP)
    blocks = np.array_split(starts, -(-starts.size // _BLOCK))
    measured = [_measure(x[block[:, None] + np.arange(span)]) for block in blocks]
    lags, dips, energy = (np.concatenate(column) for column in zip(*measured))
    loud = energy > np.percentile(energy, 95) * 10 ** (ENERGY_GATE_DB / 10)
    voiced = (dips < THRESHOLD) & loud
    return RATE / lags[voiced]


def pitch_figures(samples_16k: np.ndarray) -> PitchFigures:
    """Median F0 and its spread (see `PitchFigures`) of mono float32 audio at 16 kHz."""
    f0 = f0_track(samples_16k)
    if f0.size == 0:
        return PitchFigures(0.0, 0.0)
    semitones = 12 * np.log2(f0)
    q1, q3 = np.percentile(semitones, [25, 75])
    return PitchFigures(median_hz=float(np.median(f0)), spread_semitones=float(q3 - q1))


def _measure(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(refined lag, dip depth, energy) of each frame (a row: WINDOW + _MAX_LAG + 1 samples)."""
    lags, dips = _first_dips(_cumulative_mean_normalised(_difference(frames)))
    return lags, dips, np.einsum("ij,ij->i", frames[:, :WINDOW], frames[:, :WINDOW])


def _difference(frames: np.ndarray) -> np.ndarray:
    """YIN's d(tau) for tau in 0.._MAX_LAG: sum over the window of (x[j] - x[j + tau])^2, by FFT for all frames."""
    n = 1 << int(np.ceil(np.log2(frames.shape[1])))  # j + tau stays under the frame length: no wrap-around
    head = np.fft.rfft(frames[:, :WINDOW], n)
    whole = np.fft.rfft(frames, n)
    cross = np.fft.irfft(np.conj(head) * whole, n)[:, : _MAX_LAG + 1]  # sum_j x[j] x[j + tau]
    squares = np.cumsum(np.square(frames), axis=1)
    squares = np.concatenate([np.zeros((frames.shape[0], 1)), squares], axis=1)
    head_energy = squares[:, WINDOW : WINDOW + 1]
    shifted_energy = squares[:, WINDOW : WINDOW + _MAX_LAG + 1] - squares[:, : _MAX_LAG + 1]
    return np.maximum(head_energy + shifted_energy - 2 * cross, 0.0)


def _cumulative_mean_normalised(d: np.ndarray) -> np.ndarray:
    lags = np.arange(d.shape[1])
    running = np.cumsum(d, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(running > 0, d * lags / running, 1.0)
    out[:, 0] = 1.0
    return out


def _first_dips(cmnd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the refined lag of the first dip under THRESHOLD (else of the lowest point), and its depth."""
    rows = np.arange(cmnd.shape[0])
    band = cmnd[:, _MIN_LAG : _MAX_LAG + 1]
    under = band < THRESHOLD
    first = np.where(under.any(axis=1), under.argmax(axis=1), band.argmin(axis=1))
    # walk down from the first crossing to the bottom of its dip
    for _ in range(band.shape[1]):
        nxt = np.minimum(first + 1, band.shape[1] - 1)
        step = band[rows, nxt] < band[rows, first]
        if not step.any():
            break
        first = np.where(step, nxt, first)
    lag = first + _MIN_LAG
    return _parabolic(cmnd, rows, lag), cmnd[rows, lag]


def _parabolic(cmnd: np.ndarray, rows: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Sub-sample lag from a parabola through the dip and its neighbours."""
    left = cmnd[rows, np.maximum(lag - 1, 0)]
    mid = cmnd[rows, lag]
    right = cmnd[rows, np.minimum(lag + 1, cmnd.shape[1] - 1)]
    curve = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curve > 0, 0.5 * (left - right) / curve, 0.0)
    return lag + np.clip(shift, -1.0, 1.0)
