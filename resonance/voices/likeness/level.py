"""How loud a recording is, and whether its peaks were cut off."""

from __future__ import annotations

import math

import numpy as np

_ABSOLUTE_GATE_DB = -70.0
_RELATIVE_GATE_DB = -10.0
_CLIP_BINS = 32  # wide enough that a rippled pile-up lands in a few bins
_CLIP_FROM = 0.3  # the pile-up sits near the top of the range, below any overshoot: the top 70% is looked at


def gated_level_dbfs(samples: np.ndarray, rate: int) -> float:
    """RMS level in dBFS of the parts that carry sound (-inf for silence).

    Level is measured on 100 ms blocks, ignoring blocks under -70 dBFS and then those 10 dB under the mean of the
    rest, which is BS.1770's gating without its K-weighting: pauses and room noise don't count.
    """
    block = rate // 10
    usable = len(samples) // block * block
    if usable == 0:
        return -math.inf
    powers = np.mean(np.square(samples[:usable].reshape(-1, block), dtype=np.float64), axis=1)
    gated = powers[powers > 10 ** (_ABSOLUTE_GATE_DB / 10)]
    if gated.size == 0:
        return -math.inf
    gated = gated[gated > np.mean(gated) * 10 ** (_RELATIVE_GATE_DB / 10)]
    return 10 * math.log10(float(np.mean(gated)))


def clipped_fraction(samples: np.ndarray) -> float:
    """Share of the samples piled up at a ceiling, as clipping leaves them (0.0 for clean audio).

    Clean speech grows rarer the louder it gets: the histogram of |x| falls all the way to the peak. A recording
    whose peaks were cut off has a bump where they were cut. After resampling or a lossy codec the cut tops ripple
    and overshoot, so rather than counting samples exactly at the peak this counts the histogram's excess over its
    running minimum in the upper part of the range.
    """
    magnitudes = np.abs(np.asarray(samples, np.float32))
    peak = float(magnitudes.max()) if magnitudes.size else 0.0
    if peak == 0.0:
        return 0.0
    counts, _ = np.histogram(magnitudes, bins=_CLIP_BINS, range=(0.0, peak))
    upper = counts[int(_CLIP_BINS * _CLIP_FROM) :]
    floor = np.minimum.accumulate(upper)
    return float(np.clip(upper[1:] - floor[:-1], 0, None).sum() / magnitudes.size)
