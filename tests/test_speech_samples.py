"""The test speech the repository ships (tests/speech_samples.py) fits the installed model files: a fresh clone reads
it instead of synthesising it, which would cost the test command minutes of CPU."""

from __future__ import annotations

import numpy as np

from tests import speech_samples


def test_the_shipped_clips_are_read_not_synthesised(tmp_path, monkeypatch):
    def no_synthesis(*args, **kwargs):
        raise AssertionError("a shipped clip was synthesised again: run `python -m tests.speech_samples --ship`")

    monkeypatch.setattr(speech_samples, "KokoroEngine", no_synthesis)
    monkeypatch.setattr(speech_samples, "CACHE", tmp_path)
    samples = speech_samples.spoken(speech_samples.TEXT, speech_samples.VOICE)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) > 10 * speech_samples.SAMPLE_RATE and 0.1 < np.max(np.abs(samples)) <= 1.0
    assert list(tmp_path.iterdir()) == []

