"""Both speaker embedders side by side: a candidate is better only when both say so."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.voices.likeness.embedders import Scores, embed, score
from tests.voices.likeness.conftest import LIGHTHOUSE, MARKET


@pytest.mark.parametrize(("candidate", "better"), [
    (Scores(0.8, 0.9), True),
    (Scores(0.7, 0.9), False),  # equal on one embedder is not better
    (Scores(0.9, 0.5), False),  # better on one, worse on the other
    (Scores(0.6, 0.7), False),
])
def test_both_above_means_strictly_better_on_both_embedders(candidate, better):
    assert candidate.both_above(Scores(0.7, 0.8)) is better


def test_the_same_speaker_scores_above_another_on_both_embedders(say):
    michael = embed(say("am_michael", LIGHTHOUSE))
    for vector in (michael.dvector, michael.resemblyzer):
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    same, other = score(michael, embed(say("am_michael", MARKET))), score(michael, embed(say("af_heart", MARKET)))
    assert same.both_above(other)
    assert score(michael, michael) == Scores(pytest.approx(1.0, abs=1e-5), pytest.approx(1.0, abs=1e-5))
