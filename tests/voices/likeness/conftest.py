"""Likeness fixtures: real Kokoro speech of stock voices at 16 kHz, each voice and text synthesised once per session."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from resonance.speech import audio
from resonance.speech.engine import EngineVoice
from resonance.speech.kokoro import KokoroEngine

LIGHTHOUSE = ("Good morning everyone. Today I would like to tell you a short story about a lighthouse keeper "
              "who lived alone on a rocky island.")
MARKET = "The weather report says it will rain tomorrow afternoon, so bring an umbrella when you go to the market."


@pytest.fixture(scope="session")
def say():
    """`say(voice, text) -> samples`: mono float32 at 16 kHz, as the likeness measures take it."""
    engine = KokoroEngine()

    @lru_cache
    def speak(voice: str, text: str) -> np.ndarray:
        chunks = list(engine.synthesize(text, EngineVoice("", voice)))
        rate = chunks[0].sample_rate
        return audio.resample(audio.concat([c.samples for c in chunks], rate), rate, 16_000)

    return speak
