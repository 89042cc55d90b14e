"""A bounded search on the timbre half of a Kokoro voice.

A random walk scored by one speaker embedder overfits it: the score climbs while a listener hears no gain. So a step
is taken only when two independent embedders both prefer it, and only if speech recognition still understands the
voice; the walk sees the search part of the recording only (the caller keeps the rest for measuring). It stops at
its synthesis or time budget, and returns the start when no step passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from resonance.voices.likeness.embedders import Scores


@dataclass(frozen=True)
class Budget:
    syntheses: int  # every voice synthesised, the start included
    seconds: float


@dataclass(frozen=True)
class Trial:
    """One synthesised candidate: its scores against the search part, and the speech itself (16 kHz)."""

    scores: Scores
    speech: np.ndarray


@dataclass
class Outcome:
    shift: np.ndarray
    scores: Scores
    syntheses: int = 0
    accepted: int = 0
    refused_by_guard: int = 0  # steps both embedders liked but speech recognition did not understand
    seconds: float = 0.0
    history: list[Scores] = field(default_factory=list)  # scores of each accepted voice, the start first


STEP = 0.15  # first step size, in standard deviations of the stock voices' timbres along each direction
GROW, SHRINK = 1.4, 0.85  # step size after a success / a failed round (a 1/5th-success-rule style adaptation)
MAX_STEP = 1.0
PATIENCE = 4  # rounds in a row without a step taken end the search: the budget is a ceiling, not a quota


def search(start: np.ndarray, start_scores: Scores, *, basis: np.ndarray, evaluate: Callable[[np.ndarray], Trial],
           understood: Callable[[np.ndarray], bool], budget: Budget, used: int = 0, workers: int = 1,
           round_seconds: float = 0.0, limit: float = float("inf"), clock: Callable[[], float] = time.monotonic,
           seed: int = 0, on_progress: Callable[[float], None] = lambda fraction: None) -> Outcome:
    """Walk from `start` (a shift of the timbre half) along `basis` (rows: directions scaled to the stock voices'
    spread). `evaluate(shift)` synthesises and scores a candidate; `understood(speech)` is the intelligibility guard.
    `used` syntheses were already spent (the start); `workers` candidates are tried at once; `round_seconds` is what
    one round is expected to take (the longest round so far replaces it), so the walk stops before the time budget;
    no component of a shift goes past ±`limit`."""
    began = clock()
    rng = np.random.default_rng(seed)
    best = Outcome(shift=np.asarray(start, np.float32), scores=start_scores, syntheses=used, history=[start_scores])
    step, idle = STEP, 0
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="voice-search") as pool:
        while best.syntheses < budget.syntheses and idle < PATIENCE:
            elapsed = clock() - began
            if elapsed + round_seconds > budget.seconds:  # the next round would end past the budget
                break
            round_began = clock()
            size = min(workers, budget.syntheses - best.syntheses)
            shifts = [np.clip(best.shift + step * (rng.standard_normal(len(basis)).astype(np.float32) @ basis),
                              -limit, limit) for _ in range(size)]
            trials = list(pool.map(evaluate, shifts))
            best.syntheses += len(shifts)
            better = sorted(((t, s) for t, s in zip(trials, shifts, strict=True) if t.scores.both_above(best.scores)),
                            key=lambda pair: -pair[0].scores.total)
            taken = False
            for trial, shift in better:
                if understood(trial.speech):
                    best.shift, best.scores, taken = shift, trial.scores, True
                    best.accepted += 1
                    best.history.append(trial.scores)
                    break
                best.refused_by_guard += 1
            step, idle = (min(step * GROW, MAX_STEP), 0) if taken else (step * SHRINK, idle + 1)
            round_seconds = max(round_seconds, clock() - round_began)
            on_progress(min(1.0, max(best.syntheses / budget.syntheses, (clock() - began) / budget.seconds)))
    best.seconds = clock() - began
    return best
