"""What the app does once, in the background, after it starts serving: warm the speech engine (load Kokoro, so the
first generation does not wait seconds for it), then make the built-in voices' preview samples the seed left for
later, then voice matching's figures of the stock voices. Both are idempotent and cheap once made."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from resonance.speech.engine import SpeechEngineError

log = logging.getLogger("resonance.voices.warmup")


def warm_engine() -> None:
    from resonance.speech.registry import get_engine

    try:
        get_engine().warm()
    except (SpeechEngineError, OSError) as error:  # the first generation will report it properly
        log.warning("speech engine warm-up failed: %s", error)
    except Exception:  # noqa: BLE001 - a background nicety must never take the app down
        log.exception("speech engine warm-up failed")


def warm_up() -> None:
    from resonance.voices.likeness import stock_figures
    from resonance.voices.seed import make_missing_samples

    warm_engine()
    try:
        made = make_missing_samples()
        if made:
            log.info("made %d built-in voice preview samples", made)
        stock_figures.ensure()
    except (SpeechEngineError, OSError) as error:  # no local model (a remote engine): previews wait for the seed
        log.warning("built-in voice warm-up stopped: %s", error)
    except Exception:  # noqa: BLE001 - a background nicety must never take the app down
        log.exception("built-in voice warm-up failed")


@asynccontextmanager
async def voice_warmup():
    """App lifespan task: start the warm-up thread and go on serving."""
    threading.Thread(target=warm_up, name="voice-warmup", daemon=True).start()
    yield
