"""Likeness fixtures: real Kokoro speech of stock voices at 16 kHz, each voice and text synthesised once per machine
(tests/speech_samples.py)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from tests.speech_samples import spoken

LIGHTHOUSE = ("Good morning everyone. Today I would like to tell you a short story about a lighthouse keeper "
              "who lived alone on a rocky island.")
MARKET = "The weather report says it will rain tomorrow afternoon, so bring an umbrella when you go to the market."


@pytest.fixture(scope="session")
def say():
    """`say(voice, text) -> samples`: mono float32 at 16 kHz, as the likeness measures take it."""
    @lru_cache
    def speak(voice: str, text: str) -> np.ndarray:
        return spoken(text, voice, 16_000)

    return speak
