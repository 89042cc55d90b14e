"""The engine the settings choose, built once per configuration.

Engines import the interface in `engine`; only this module knows the implementations, so neither depends on the other.
"""

from __future__ import annotations

from resonance.core.config import get_settings
from resonance.speech.engine import Engine
from resonance.speech.kokoro import KokoroEngine
from resonance.speech.remote import RemoteEngine

_engines: dict[tuple, Engine] = {}


def get_engine() -> Engine:
    """Remote when RESONANCE_SPEECH_URL is set, Kokoro in this process otherwise."""
    settings = get_settings()
    config = (settings.SPEECH_URL, settings.SPEECH_API_KEY, settings.SPEECH_TIMEOUT_SECONDS)
    engine = _engines.get(config)
    if engine is None:
        if settings.SPEECH_URL:
            engine = RemoteEngine(settings.SPEECH_URL, settings.SPEECH_API_KEY, timeout=settings.SPEECH_TIMEOUT_SECONDS)
        else:
            engine = KokoroEngine()
        engine = _engines.setdefault(config, engine)
    return engine
