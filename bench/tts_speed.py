"""Speech speed: time to first audio and real-time factor of the default engine (Kokoro-82M int8, onnxruntime).

    source scripts/env.sh && python bench/tts_speed.py [--sizes 200,1000,5000] [--configs 1x0,0x1] [--repeat 1]

For each text size and configuration THREADSxWORKERS (onnxruntime intra-op threads per chunk x chunks synthesised
at once; 0 = one per core, and for workers cores / threads), the engine streams the text chunk by chunk as a
generation does. The default compares the engine's default (1 thread per chunk, one chunk per core) with one chunk
at a time on every core. Printed per run:

- first audio: seconds from the call until the first chunk is ready (what a listener waits before playback starts);
- RTF: seconds of audio per second of wall time for the whole text (higher is faster; goal >= 3x);
- cpu/wall: process CPU seconds per wall second; below the thread count means other work took the cores;
- audio s per CPU s: RTF per core actually used, which other load changes much less than RTF itself;
- the load average before and after, because other developers share this machine's CPUs.

Goals (issue 3): first audio <= 0.5 s, whole text >= 3x real time. Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resonance.speech import text as text_  # noqa: E402
from resonance.speech.engine import EngineVoice  # noqa: E402
from resonance.speech import kokoro_model  # noqa: E402
from resonance.speech.kokoro import KokoroEngine  # noqa: E402
from resonance.speech.kokoro_model import load_model  # noqa: E402

PROSE = (
    "The lighthouse keeper climbed the spiral stairs an hour before sunset, as he had done every evening for thirty "
    "years. Below him the sea was calm, a sheet of grey silk stretching all the way to the horizon. He trimmed the "
    "wick, polished the great lens, and checked the clockwork that turned the light. Ships depended on that beam. "
    "On stormy nights he could hear the waves crash against the rocks, and he would stay awake until dawn, watching "
    "for any sign of a vessel in trouble. Tonight, though, the weather was kind. He made a pot of tea, opened his "
    "logbook, and wrote a few lines about the gulls, the wind, and the fishing boats returning to the harbour. "
)


def text_of(size: int) -> str:
    """`size` characters of prose, cut at a word."""
    body = PROSE * (size // len(PROSE) + 2)
    return body[:size].rsplit(" ", 1)[0].rstrip(",;") + "."


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{len(os.sched_getaffinity(0))} CPUs ({os.cpu_count()} online), {model}; Python {platform.python_version()}"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(engine: KokoroEngine, size: int, voice: str) -> dict:
    source = text_of(size)
    started, cpu = time.perf_counter(), time.process_time()
    first_at, seconds, chunks, first_text = None, 0.0, 0, ""
    for chunk in engine.synthesize(source, EngineVoice(spec=voice)):
        if first_at is None:
            first_at, first_text = time.perf_counter() - started, chunk.text
        seconds += chunk.duration
        chunks += 1
    wall = time.perf_counter() - started
    return {"chars": len(source), "chunks": chunks, "first": first_at, "first_chars": len(first_text),
            "audio": seconds, "wall": wall, "rtf": seconds / wall, "cpu": (time.process_time() - cpu) / wall,
            "cpu_rtf": seconds / (time.process_time() - cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,5000")
    parser.add_argument("--configs", default="1x0,0x1", help="THREADSxWORKERS to compare (0: one per core)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--first-chars", type=int, default=text_.FIRST_CHUNK_CHARS, help="first chunk's size limit")
    parser.add_argument("--models-dir", type=Path, default=None, help="Kokoro's folder (default: the setting)")
    parser.add_argument("--device", choices=("auto", "cpu"), default="auto",
                        help="auto: CUDA when this onnxruntime has it; cpu: the CPU even on a GPU machine")
    parser.add_argument("--gpu-workers", type=int, default=0, help="chunks in flight at once on CUDA (0: the engine's)")
    args = parser.parse_args()
    import onnxruntime as ort

    # The bench picks the provider itself, so it runs where the app's settings (pydantic) are not installed
    wanted = ("CPUExecutionProvider",) if args.device == "cpu" else ("CUDAExecutionProvider", "CPUExecutionProvider")
    kokoro_model.providers = lambda *_, **__: [p for p in wanted if p in ort.get_available_providers()]
    text_.FIRST_CHUNK_CHARS = args.first_chars
    text_.split.__kwdefaults__["first_chars"] = args.first_chars

    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers() and hasattr(ort, "preload_dlls"):
        ort.preload_dlls()  # CUDA and cuDNN from the nvidia-* Python packages, when that is where they are

    print(f"machine: {machine()}; load average {load()} at start")
    print(f"onnxruntime {ort.__version__}, providers available: {', '.join(ort.get_available_providers())}")
    print(f"voice {args.voice}; first chunk <= {args.first_chars} chars, later chunks <= {text_.CHUNK_CHARS}")
    for config in args.configs.split(","):
        threads, workers = (int(part) for part in config.split("x"))
        started = time.perf_counter()
        model = load_model(args.models_dir, threads=threads)
        engine = KokoroEngine(models_dir=args.models_dir, threads=threads, workers=workers)
        if model.providers[0] != "CPUExecutionProvider" and args.gpu_workers:
            engine = KokoroEngine(models_dir=args.models_dir, threads=threads, workers=args.gpu_workers)
        print(f"\n{model.threads} intra-op thread(s) per chunk x {engine._worker_count(model)} chunk(s) at once on "
              f"{model.providers[0]}: model loaded in {model.load_seconds:.2f} s "
              f"(this call {time.perf_counter() - started:.2f} s)")
        for size in (int(s) for s in args.sizes.split(",")):
            for _ in range(args.repeat):
                before = load()
                r = run(engine, size, args.voice)
                goal = "ok" if r["first"] <= 0.5 and r["rtf"] >= 3 else "MISSES GOAL"
                print(f"  {r['chars']:>5} chars, {r['chunks']:>2} chunks: first audio {r['first']:.2f} s "
                      f"({r['first_chars']} chars), {r['audio']:.1f} s audio in {r['wall']:.1f} s -> RTF "
                      f"{r['rtf']:.2f}x, cpu/wall {r['cpu']:.2f}, audio s per CPU s {r['cpu_rtf']:.2f}; "
                      f"load {before} -> {load()}  [{goal}]")


if __name__ == "__main__":
    main()
