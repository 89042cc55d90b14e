"""Fair under concurrency: how soon short jobs get their first audio while a long one is being spoken.

    source scripts/env.sh && python bench/tts_fairness.py [--jobs 1,4,16] [--long-chars 5000] [--short-chars 50]

For each count N in --jobs, one long text (organization 0) starts; once its first audio is out, N - 1 short texts
arrive at once, each from an organization of its own. Every text is a thread streaming its chunks through the
process's chunk scheduler (resonance/speech/scheduler.py) in front of the real Kokoro engine, as a generation job
does (the job's database and storage writes are left out). Printed per count:

- short first audio: seconds from a short text's arrival to its first chunk (p50, p95, max), what a listener waits;
- short done: seconds from arrival to its last chunk (p95);
- long first audio, and how long the long text took in all;
- RTF: seconds of audio of all texts per second of wall time, from the long text's start to the last chunk;
- cpu/wall: process CPU seconds per wall second, and the load average before and after (the machine is shared).

Without the scheduler (jobs one after another, as before), a short text arriving behind the long one waited for
all of it. Goal (issue 18): a 50-character job's first audio within 1 s while a 5,000-character job runs.
Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

SHORT = "Your order has shipped and will arrive on Tuesday. Thanks for waiting."


def short_of(size: int) -> str:
    """`size` characters of SHORT (repeated), cut at a word."""
    text = SHORT * (size // len(SHORT) + 2)
    return text[:size].rsplit(" ", 1)[0].rstrip(",;") + "."


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def one_round(count: int, long_text: str, short_text: str) -> None:
    from resonance.speech.engine import EngineVoice
    from resonance.speech.registry import get_engine
    from resonance.speech.scheduler import stream

    engine, voice = get_engine(), EngineVoice("", "af_heart")
    results: dict[str, dict] = {}
    long_started = threading.Event()

    def job(name: str, text: str) -> None:
        arrived, first, seconds = time.perf_counter(), None, 0.0
        for chunk in stream(engine, text, voice, org=f"org-{name}", job=name):
            if first is None:
                first = time.perf_counter() - arrived
                if name == "long":
                    long_started.set()
            seconds += chunk.duration
        results[name] = {"first": first, "done": time.perf_counter() - arrived, "audio": seconds}

    before, cpu0, wall0 = load(), time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=job, args=("long", long_text))]
    threads[0].start()
    long_started.wait()
    for i in range(1, count):
        threads.append(threading.Thread(target=job, args=(f"short{i}", short_text)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    audio = sum(r["audio"] for r in results.values())
    print(f"\n{count} job(s): 1 x {len(long_text)} chars + {count - 1} x {len(short_text)} chars; "
          f"load {before} -> {load()}")
    shorts = [r for name, r in results.items() if name != "long"]
    if shorts:
        print("  " + _common.summary("short first audio", [r["first"] for r in shorts], unit="s", goal=1.0))
        print("  " + _common.summary("short done", [r["done"] for r in shorts], unit="s"))
    print(f"  long first audio {results['long']['first']:.2f} s, long done {results['long']['done']:.1f} s "
          f"({results['long']['audio']:.0f} s of audio)")
    print(f"  throughput {audio:.0f} s of audio in {wall:.1f} s: RTF {audio / wall:.2f}x; cpu/wall {cpu / wall:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", default="1,4,16", help="concurrent job counts, comma-separated")
    parser.add_argument("--long-chars", type=int, default=5000)
    parser.add_argument("--short-chars", type=int, default=50)
    args = parser.parse_args()
    _common.isolate("fairness")
    os.environ.pop("RESONANCE_SPEECH_URL", None)  # Kokoro in this process

    from resonance.speech.registry import get_engine
    from tts_speed import text_of  # the same prose as the speed bench

    print(_common.machine())
    engine = get_engine()
    started = time.perf_counter()
    slots = engine.slots()
    print(f"engine: {engine.capabilities.label}, {slots} synthesis slot(s); model loaded in "
          f"{time.perf_counter() - started:.1f} s")
    long_text, short_text = text_of(args.long_chars), short_of(args.short_chars)
    for count in (int(n) for n in args.jobs.split(",")):
        one_round(count, long_text, short_text)


if __name__ == "__main__":
    main()
