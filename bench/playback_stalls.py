"""Stalls while a long text is played as it is made: a 5,000-character generation on the text-to-speech page, in
headless Chromium, against the whole app (`reflex run --env prod`, real Kokoro on the CPU).

    source scripts/env.sh && python bench/playback_stalls.py [--chars 5000] [--voice NAME]

The app starts as the browser tests start it (tests/e2e/e2e_support.py: its own data folder, web build and port; the
first build takes minutes), the system voices are seeded, and a signed-in member clicks Generate. The chunk queue
(assets/tts_player.jsx, `window.resonanceChunks.log`) notes when each chunk's sound starts (`start`, also after a
mid-chunk `buffering`) and ends (`end`), when each feed told it more chunks were ready, and when the waveform took
over (`stopped`, then `waveform` once it plays). After the first audio, a **stall** is any silence before the last
chunk ends or the waveform plays: from a chunk's `end`, a `buffering`, or the hand-off's `stopped`, to the next
`start` or `waveform`. Printed: first audio from the click, every stall (its kind and chunk), their count, total and
longest; the engine's speed (seconds of audio per second of synthesis as the page saw it); per chunk, when it was
ready and when it played. Then a **replay**: the first `--replay` chunks played again with all of them ready from the
start (the queue reset and fed by script, the waveform paused), so its stalls are the chunk switches alone, as when
the engine is far ahead. Goal (issue 18): no stall longer than 0.2 s while the engine is faster than real time.
Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine  # noqa: E402

from tests.e2e.e2e_support import SESSION_COOKIE, Browser, _python, new_driver, start_app, stop_app  # noqa: E402

GOAL_S = 0.2
PARAGRAPHS = [
    "The lighthouse keeper climbed the spiral stairs an hour before sunset, as he had done every evening for thirty "
    "years. Below him the sea was calm, a sheet of grey silk stretching all the way to the horizon. He trimmed the "
    "wick, polished the great lens, and checked the clockwork that turned the light.",
    "Ships depended on that beam. On stormy nights he could hear the waves crash against the rocks, and he would stay "
    "awake until dawn, watching for signals of distress. Tonight, though, the weather was gentle, and a few gulls "
    "circled lazily overhead while the fishing boats came home one by one.",
    "His daughter had written again that week. She lived in the city now, in a narrow flat above a bakery, and she "
    "described the smell of bread at four in the morning, the trams rattling past the window, and the crowds that "
    "poured out of the underground stations like water from a broken dam.",
    "She asked him, as she always did, when he would finally retire. The lighthouse would be automated soon, she said; "
    "engineers had already surveyed the rocks, and a small electric lamp would do the work he had done by hand for "
    "most of his life. He folded the letter carefully and put it in his coat pocket.",
    "In the morning he walked down to the village for supplies. The grocer weighed out flour, sugar and tea, and "
    "asked about the weather. The postmistress handed him a parcel wrapped in brown paper, tied with string, and "
    "smiled as if she knew exactly what was inside it.",
    "It was a book about the history of lighthouses, with drawings of towers on every coast of the world: the Pharos "
    "of Alexandria, the stone column at Eddystone, the iron skeletons of the American lakes. On the first page his "
    "daughter had written a short message in her small, careful hand.",
    "That evening he read by the light of the lamp until his eyes grew tired. He learned that the first keepers "
    "burned wood and coal in open braziers, that whale oil had once been precious, and that a clever Frenchman named "
    "Fresnel had designed the ribbed glass lens that still turned above his head.",
    "Autumn came early that year. The wind shifted to the north, and the nights grew long and cold. Twice he saw "
    "flares far out at sea and telephoned the coastguard, and twice the lifeboat went out and came back with every "
    "sailor safe, wrapped in blankets and shivering on the harbour wall.",
    "When the engineers finally arrived, they were polite and efficient. They installed the new lamp in a single "
    "afternoon, tested it twice, and wrote their names in the logbook beneath his own. The old clockwork was left "
    "in place, silent, a museum piece for visitors who would never come.",
    "He stayed one more night in the tower. At dusk he climbed the stairs out of habit and stood beside the humming "
    "lamp, watching its beam sweep across the dark water. Somewhere out there a small boat was turning for home, "
    "guided by a light that no longer needed him.",
    "In the spring he took the train to the city. His daughter met him on the platform, and together they walked "
    "through streets full of noise and colour. At night, from her window, he could see the red lights blinking on "
    "top of the cranes by the river, and for a moment he felt almost at home.",
    "His daughter took him to a concert hall with a ceiling painted like the night sky. The orchestra played a long "
    "piece about the sea, full of rising strings and distant horns, and he closed his eyes and listened to the storm "
    "build and break and fade away, exactly as he remembered it from the tower.",
    "Afterwards they ate noodles in a crowded restaurant near the station. The cook shouted orders through a hatch, "
    "steam rose from huge pots, and the waiters moved between the tables with trays balanced on their fingertips. "
    "He laughed more that evening than he had in years.",
    "The next day she showed him the museum where she worked. It was a grand old building with marble floors, and in "
    "one of the upper galleries stood a lighthouse lens, taller than a man, its glass rings catching the afternoon "
    "sun and scattering small rainbows across the walls.",
    "He stood in front of it for a long time. A guard wandered over and began to explain how the lens worked, how the "
    "prisms bent the light into a single beam, and how far out to sea a ship could see it. The old man nodded "
    "politely and did not say that he already knew.",
    "On his last evening in the city they climbed to the roof of her building. The sky was clear, the air was cold, "
    "and the lights of the harbour glittered in the distance. Far beyond them, too faint to be sure, a tiny point of "
    "white light flashed every ten seconds.",
    "She asked whether he missed it. He thought about the stairs, the wick, the clockwork, and the long nights "
    "watching the water. Then he said that a light is not less useful because nobody has to tend it, and that he "
    "was glad, on the whole, to be a passenger at last.",
    "In the years that followed he visited her every spring and returned to the coast every autumn. He rented a small "
    "cottage within sight of the tower, planted a garden, and learned the names of the birds that nested in the "
    "cliffs. Each evening, at dusk, he watched the beam begin to turn.",
    "Children from the village sometimes came to ask him questions. How tall was the tower? How many steps were "
    "there? Had he ever seen a shipwreck, or a ghost, or a sea monster? He answered them patiently, and if the tea "
    "was hot and the afternoon long, he sometimes told them the truth.",
]


def prose(chars: int) -> str:
    """About `chars` characters of the story, whole paragraphs then whole sentences, never repeated."""
    text = ""
    for paragraph in PARAGRAPHS:
        for sentence in paragraph.replace(". ", ".\n").splitlines():
            if len(text) + 1 + len(sentence) > chars:
                return text
            text = f"{text}{' ' if text and not text.endswith(chr(10)) else ''}{sentence}"
        text += "\n\n"
    return text.strip()


def stalls(log: list[dict]) -> tuple[float | None, list[tuple[float, float, str, int]]]:
    """(t of the first sound, [(start t, seconds, kind, chunk)]) from the queue's log, in ms of performance.now()."""
    first = next((e["t"] for e in log if e["event"] == "start"), None)
    found, silent = [], None
    for e in log:
        if first is None or e["t"] < first:
            continue
        kind = e["event"]
        if kind in ("end", "buffering") and silent is None:
            silent = (e["t"], "switch" if kind == "end" else "mid-chunk", e["index"])
        elif kind == "stopped" and silent is None:
            silent = (e["t"], "hand-off", e["index"])
        elif kind in ("start", "waveform") and silent is not None:
            found.append((silent[0], (e["t"] - silent[0]) / 1000, silent[1], silent[2]))
            silent = None
        elif kind == "ended":
            break  # the last chunk's end is the end of the audio
        if kind == "waveform":
            break
    return first, found


def heard(b: Browser, since: float, wait: float) -> None:
    """Wait until the queue has played to the end, the waveform took over, or autoplay was refused (checked once a
    second: the browser has audio to play on shared cores)."""
    deadline = time.monotonic() + wait
    while not b.driver.execute_script(
            "return (window.resonanceChunks || {log: []}).log.some("
            "e => e.t >= arguments[0] && ['ended', 'waveform', 'blocked'].includes(e.event))", since):
        if time.monotonic() > deadline:
            raise SystemExit(f"the generation was not heard within {wait:.0f} s")
        time.sleep(1)


def report(found: list[tuple[float, float, str, int]], first: float) -> None:
    for at, seconds, kind, index in found:
        print(f"  stall {seconds:6.3f} s at {(at - first) / 1000:7.2f} s of playback, {kind} after chunk {index}")
    longest = max((s for _, s, _, _ in found), default=0.0)
    print(f"stalls after the first audio: {len(found)}, total {sum(s for _, s, _, _ in found):.3f} s, longest "
          f"{longest:.3f} s  [goal ≤ {GOAL_S} s: {'met' if longest <= GOAL_S else 'NOT met'}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--voice", default="", help="a system voice's name (default: the page's first)")
    parser.add_argument("--wait", type=float, default=1800, help="seconds to wait for the generation to be heard")
    parser.add_argument("--replay", type=int, default=6, help="chunks to replay all ready (0: no replay)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the app and the browser on the way out

    print(machine())
    text = prose(args.chars)
    base = Path(tempfile.mkdtemp(prefix="resonance-bench-stalls-"))
    started = time.perf_counter()
    app, proc = start_app(base)
    driver = None
    try:
        print(f"app serving at {app.url} after {time.perf_counter() - started:.0f} s (web build included)")
        subprocess.run([_python(), "-m", "resonance.voices.seed"], cwd=ROOT, env=app.env, check=True,
                       capture_output=True, timeout=900)
        cookie = app.seed({"users": {"ada": "Ada Bench"}, "orgs": {"acme": {"name": "Bench", "admin": "ada"}},
                           "active": {"ada": "acme"}})["users"]["ada"]["cookie"]
        driver = new_driver(base / "profile", args=("--autoplay-policy=no-user-gesture-required",))
        b = Browser(app, driver)
        b.open("/sign-in")
        driver.add_cookie({"name": SESSION_COOKIE, "value": cookie, "path": "/", "secure": True, "httpOnly": True,
                           "sameSite": "Lax"})
        b.open("/text-to-speech")
        b.click("#tts-voice")
        b.click(f".tts-voice-option[data-voice-name='{args.voice}']" if args.voice else ".tts-voice-option")
        voice = b.element("#tts-voice").text
        # One input event with the whole text (typing 5,000 keys would be a state update each).
        b.driver.execute_script(
            "const el = document.querySelector('#tts-text');"
            "Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(el, arguments[0]);"
            "el.dispatchEvent(new Event('input', {bubbles: true}));", text)
        b.wait_text("#tts-counter", f"{len(text):,} / ")
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        b.driver.execute_script("window.benchClick = performance.now()")
        b.click("#tts-generate")
        heard(b, 0, args.wait)
        log = b.driver.execute_script("return window.resonanceChunks.log")
        click = b.driver.execute_script("return window.benchClick")
        generation_id = b.path.rstrip("/").rsplit("/", 1)[-1]
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        replay = []
        if args.replay:
            b.wait(lambda d: d.execute_script("return !!window.resonanceWave"), "the waveform", timeout=args.wait)
            since = b.driver.execute_script(
                "window.resonanceWave.pause(); const q = window.resonanceChunks; const n = Math.min(arguments[0], "
                "q.total); q.reset(q.id, q.base); const t = q.log.at(-1).t; q.feed(q.id, q.base, n, n, true); return t",
                args.replay)
            heard(b, since, args.wait)
            replay = b.driver.execute_script("return window.resonanceChunks.log.filter(e => e.t >= arguments[0])",
                                             since)
            load_replay = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        if driver is not None:
            driver.quit()
        stop_app(proc)
    audio_s = app.one("SELECT duration_s FROM generations WHERE id = ?", generation_id) or 0.0
    shutil.rmtree(base, ignore_errors=True)

    print(f"{len(text):,} characters, voice {voice}; {audio_s:.1f} s of audio; load {' '.join(load_before)} before "
          f"→ {' '.join(load_after)} after")
    if any(e["event"] == "blocked" for e in log):
        print("autoplay was refused: no figures")
        return
    first, found = stalls(log)
    if first is None:
        print("no audio was heard: no figures")
        return
    ready = {}  # chunk index -> ms when a feed said it was there
    for e in log:
        if e["event"] == "feed":
            for i in range(e["available"]):
                ready.setdefault(i, e["t"])
    total_chunks = max((e.get("total", 0) for e in log if e["event"] == "feed"), default=0)
    synth_s = (ready[total_chunks - 1] - click) / 1000 if total_chunks - 1 in ready else float("nan")
    print(f"first audio {(first - click) / 1000:.2f} s after the click; all {total_chunks} chunks ready after "
          f"{synth_s:.1f} s: the engine made {audio_s / synth_s:.2f} s of audio per second (as the page saw it)")
    report(found, first)
    starts = {}
    ends = {}
    for e in log:
        if e["event"] == "start":
            starts.setdefault(e["index"], e["t"])
        elif e["event"] == "end":
            ends[e["index"]] = e["t"]
    print("chunk  ready   start     end   (s from the first audio; ready before the previous end = ahead)")
    for i in range(total_chunks):
        cells = [(m[i] - first) / 1000 if i in m else None for m in (ready, starts, ends)]
        print(f"{i:5d}" + "".join(f"{c:8.2f}" if c is not None else "       -" for c in cells))
    if replay:
        first, found = stalls(replay)
        chunks = max((e.get("total", 0) for e in replay if e["event"] == "feed"), default=0)
        print(f"replay of the first {chunks} chunks, all ready (the switches alone), load {' '.join(load_replay)}:")
        if first is None:
            print("  no audio was heard")
        else:
            report(found, first)


if __name__ == "__main__":
    main()
