"""The timbre search's rules, with a scripted scorer and clock: its budgets, its two-embedder rule, its guard."""

from __future__ import annotations

import numpy as np

from resonance.voices.likeness.embedders import Scores
from resonance.voices.likeness.search import PATIENCE, Budget, Trial, search

BASIS = np.eye(4, 8, dtype=np.float32)
START = Scores(dvector=0.5, resemblyzer=0.5)
SPEECH = np.zeros(16, np.float32)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(scores_for, *, budget=Budget(40, 1000.0), understood=lambda speech: True, workers=1, clock=None,
        round_seconds=0.0, limit=float("inf")):
    calls = []

    def evaluate(shift):
        calls.append(shift)
        return Trial(scores_for(shift, len(calls)), SPEECH)

    outcome = search(np.zeros(8, np.float32), START, basis=BASIS, evaluate=evaluate, understood=understood,
                     budget=budget, used=3, workers=workers, round_seconds=round_seconds, limit=limit,
                     clock=clock or Clock())
    return outcome, calls


def towards(target):
    """Both embedders prefer shifts nearer `target`."""
    def scores_for(shift, _):
        closeness = START.dvector + 0.1 * float(np.linalg.norm(target) - np.linalg.norm(shift - target))
        return Scores(dvector=closeness, resemblyzer=closeness)
    return scores_for


def always_better(shift, index):
    return Scores(dvector=0.5 + 0.01 * index, resemblyzer=0.5 + 0.01 * index)


def test_never_spends_more_syntheses_than_its_budget_counting_the_start():
    for workers in (1, 2, 3):
        outcome, calls = run(always_better, budget=Budget(20, 1000.0), workers=workers)
        assert outcome.syntheses == 3 + len(calls) == 20  # the last round is smaller when the budget is nearly spent


def test_stops_before_a_round_would_end_past_the_time_budget():
    clock = Clock()

    def slow(shift, index):
        clock.now += 4.0
        return always_better(shift, index)

    outcome, calls = run(slow, budget=Budget(100, 30.0), clock=clock, round_seconds=4.0)
    assert clock.now <= 30.0 and len(calls) == 7
    assert outcome.syntheses == 10


def test_a_step_is_taken_only_when_both_embedders_improve():
    def one_embedder_only(shift, index):
        better = 0.5 + 0.01 * index
        return Scores(dvector=better, resemblyzer=0.49) if index % 2 else Scores(dvector=0.49, resemblyzer=better)

    outcome, calls = run(one_embedder_only)
    assert outcome.accepted == 0 and len(calls) == PATIENCE  # and it gives up: rounds without a step end it
    assert np.array_equal(outcome.shift, np.zeros(8)) and outcome.scores == START


def test_a_step_both_embedders_like_is_taken_and_the_walk_climbs():
    target = np.array([0.6, -0.4, 0.3, 0.2, 0, 0, 0, 0], np.float32)
    outcome, _ = run(towards(target))
    assert outcome.accepted > 0
    assert float(np.linalg.norm(outcome.shift - target)) < float(np.linalg.norm(target))
    assert outcome.scores.dvector > START.dvector and outcome.scores.resemblyzer > START.resemblyzer
    assert all(b.both_above(a) for a, b in zip(outcome.history, outcome.history[1:]))


def test_speech_recognition_vetoes_a_step_both_embedders_like():
    outcome, calls = run(towards(np.ones(8, np.float32)), understood=lambda speech: False)
    assert outcome.accepted == 0 and outcome.refused_by_guard > 0
    assert np.array_equal(outcome.shift, np.zeros(8)) and outcome.scores == START


def test_steps_stay_in_the_span_of_the_basis():
    _, calls = run(towards(np.ones(8, np.float32)))
    assert all(np.allclose(shift[4:], 0) for shift in calls)


def test_the_walk_gives_up_after_rounds_without_a_step_but_not_while_it_climbs():
    _, calls = run(lambda shift, index: Scores(0.4, 0.4), workers=2)
    assert len(calls) == 2 * PATIENCE
    _, calls = run(always_better, workers=2)
    assert len(calls) == 40 - 3


def test_shifts_stay_within_the_limit_the_engine_accepts():
    _, calls = run(always_better, budget=Budget(100, 1000.0), limit=0.2)
    assert 0.19 < max(float(np.abs(shift).max()) for shift in calls) <= 0.2 + 1e-6  # reached, and held
