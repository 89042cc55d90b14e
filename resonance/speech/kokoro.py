"""The default engine: Kokoro-82M (int8 ONNX) on onnxruntime with its 28 English stock voices (kokoro_voices.py),
on the model loaded once per process (kokoro_model.py).

On the CPU, chunks of one text are synthesised side by side, one per core with one onnxruntime thread each, and
yielded in order, which keeps every core busy where one chunk at a time on several intra-op threads leaves them
waiting (bench/tts_speed.py compares the two). The first chunk, which runs alone and is what the listener waits for,
runs on a second session that spreads it over every core when nothing else is being synthesised and the machine has
cores to spare. Kokoro has no sampling controls: the four sliders are not used.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

from resonance.speech import audio, text as text_
from resonance.speech.engine import Capabilities, Chunk, EngineVoice, SpeechEngineError, SpeechParams, VoiceSpec
from resonance.speech.kokoro_model import CPU, GPU_WORKERS, KokoroModel, ensure_loadable, load_model
from resonance.speech.kokoro_voices import language

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
# Seconds of silence after a chunk that ends a sentence. A chunk cut inside a sentence gets none: the model's own
# trailing silence is the clause's pause, and any more is heard as a sentence break.
SENTENCE_PAUSE = 0.25

CAPABILITIES = Capabilities(
    name="kokoro",
    label="Kokoro-82M",
    sample_rate=SAMPLE_RATE,
    params=frozenset(),
    supports_tags=False,
    clones=False,
    supports_speed=True,
)


class KokoroEngine:
    """Kokoro in this process.

    `threads`: onnxruntime intra-op threads per chunk (default RESONANCE_SPEECH_THREADS); `workers`: chunks of one
    text synthesised at once (default RESONANCE_SPEECH_WORKERS; 0 = one per core; 4 on CUDA);
    `normalize=False` keeps the model's own loudness (the service's norm_loudness=false).
    """

    def __init__(self, *, models_dir: Path | None = None, threads: int | None = None, workers: int | None = None,
                 normalize: bool = True):
        self._models_dir = models_dir
        self._threads = threads
        self._workers = workers
        self._normalize = normalize

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def load(self) -> KokoroModel:
        return load_model(self._models_dir, self._threads)

    def ready(self) -> None:
        """Raise unless the model is loaded or its files are there to load (readiness: never loads it, which takes
        seconds and hundreds of MB)."""
        ensure_loadable(self._models_dir)

    def warm(self) -> None:
        """Load the model (its first run included): seconds that the first generation would otherwise wait."""
        self.load()

    def synthesize(self, text: str, voice: EngineVoice, params: SpeechParams | None = None) -> Iterator[Chunk]:
        """Validate everything now, then yield one chunk per piece of text (tags removed, never read aloud)."""
        params = params or SpeechParams()
        prepared = text_.prepare(text, keep_tags=False)
        lang = language(voice.spec)
        model = self.load()
        style = model.style(voice.spec)
        return self._chunks(model, text_.split_marked(prepared), style, lang, params.speed)

    def plan(self, text: str, voice: EngineVoice, params: SpeechParams | None = None) -> list[Callable[[], Chunk]]:
        """What `synthesize` does, as one call per chunk (validated now), for a scheduler that runs the chunks of
        several texts on its own threads (resonance/speech/scheduler.py)."""
        params = params or SpeechParams()
        prepared = text_.prepare(text, keep_tags=False)
        lang = language(voice.spec)
        model = self.load()
        style = model.style(voice.spec)
        pieces = text_.split_marked(prepared)
        return [partial(self._chunk, model, index, piece, style, lang, params.speed,
                        pause=ends and index < len(pieces) - 1, first=index == 0)
                for index, (piece, ends) in enumerate(pieces)]

    def slots(self) -> int:
        """Chunks synthesised at once (RESONANCE_SPEECH_WORKERS; 0 = one per core on the CPU, 4 on CUDA)."""
        return self._worker_count(self.load())

    def render(self, text: str, spec: VoiceSpec) -> tuple[np.ndarray, int]:
        """A short text spoken in one piece (no splitting, pauses or chunks): (samples, rate). For fixed sentences,
        such as those voice matching compares voices on."""
        model = self.load()
        piece = text_.prepare(text, keep_tags=False)
        return self._chunk(model, 0, piece, model.style(spec), language(spec), 1.0, pause=False).samples, SAMPLE_RATE

    def _worker_count(self, model: KokoroModel) -> int:
        workers = self._workers
        if workers is None:
            from resonance.core.config import get_settings

            workers = get_settings().SPEECH_WORKERS
        if model.providers[0] != CPU:
            return workers or GPU_WORKERS
        return max(1, workers or (os.cpu_count() or 1) // model.threads)

    def _chunks(self, model: KokoroModel, pieces: list[tuple[str, bool]], style: np.ndarray, lang: str,
                speed: float) -> Iterator[Chunk]:
        """`pieces`: (text, ends a sentence) from `text.split_marked`."""
        workers = min(self._worker_count(model), len(pieces))
        if workers == 1:
            for index, (piece, ends) in enumerate(pieces):
                yield self._chunk(model, index, piece, style, lang, speed, pause=ends and index < len(pieces) - 1,
                                  first=index == 0)
            return
        # Keep `workers` chunks in flight and hand them out in order; closing the generator early cancels the rest.
        pool = ThreadPoolExecutor(workers, thread_name_prefix="kokoro")
        pending: deque[Future] = deque()
        queued = iter(enumerate(pieces))

        def fill(limit: int) -> None:
            for index, (piece, ends) in queued:
                pending.append(pool.submit(self._chunk, model, index, piece, style, lang, speed,
                                           pause=ends and index < len(pieces) - 1, first=index == 0))
                if len(pending) >= limit:
                    return

        try:
            fill(1)  # the first chunk alone, so it is not slowed by the second: first audio comes first
            while pending:
                chunk = pending.popleft().result()
                fill(workers)  # the next chunks run while the caller stores or plays this one
                yield chunk
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _chunk(self, model: KokoroModel, index: int, piece: str, style: np.ndarray, lang: str, speed: float, *,
               pause: bool, first: bool = False) -> Chunk:
        """`first`: the text's first chunk, which runs on the session that uses every core."""
        try:
            with model.session_for(first=first) as kokoro:
                samples, rate = kokoro.create(piece, voice=style, speed=speed, lang=lang)
        except Exception as error:
            log.exception("Kokoro failed on chunk %d", index)
            raise SpeechEngineError(f"Speech synthesis failed: {error}") from error
        samples = np.asarray(samples, np.float32)
        if self._normalize:
            samples = audio.normalize(samples, rate)
        if pause:  # a sentence ends here and another follows
            samples = np.concatenate([samples, np.zeros(int(SENTENCE_PAUSE * rate), np.float32)])
        return Chunk(index=index, text=piece, samples=samples, sample_rate=rate)
