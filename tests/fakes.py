"""A stand-in speech engine for tests where the audio's content does not matter (job mechanics, routes, history):
it answers instantly with a tone per chunk, so those tests need no model. Speech itself is tested with the real
Kokoro engine in tests/speech."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from resonance.speech import text as speech_text
from resonance.speech.engine import Capabilities, Chunk, EngineVoice, SpeechEngineError, SpeechParams

RATE = 8000


class ToneEngine:
    def __init__(self, *, fail_at: int | None = None, clones: bool = False, error: Exception | None = None) -> None:
        self.fail_at = fail_at
        self.error = error or SpeechEngineError("The engine broke down")
        self.calls: list[str] = []
        self.warmed = False
        self.capabilities = Capabilities(name="tone", label="Test tone", sample_rate=RATE, clones=clones,
                                         supports_speed=True)

    def warm(self) -> None:
        self.warmed = True

    def ready(self) -> None:
        """Always ready: nothing to load."""

    def synthesize(self, text: str, voice: EngineVoice, params: SpeechParams | None = None) -> Iterator[Chunk]:
        pieces = speech_text.split(speech_text.prepare(text, keep_tags=False))
        self.calls.append(text)
        for index, piece in enumerate(pieces):
            if index == self.fail_at:
                raise self.error
            seconds = 0.05 * len(piece.split())
            t = np.arange(int(seconds * RATE)) / RATE
            yield Chunk(index=index, text=piece, samples=(0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
                        sample_rate=RATE)
