"""Time to first audio over the public API: `POST /v1/text-to-speech/{voice_id}/stream` against the app's API served
in-process on a loopback port, speaking with real Kokoro (the CPU default), jobs run by the in-process runner.

    source scripts/env.sh && python bench/ttfa.py [--sizes 300,3000,5000] [--repeat 5] [--format mp3_44100_128]

For each text size, `--repeat` requests one after another (each waits for the one before to finish: one job runs at
a time, as in the app). Per request: **first audio**, seconds from sending the request until the first non-empty
piece of the response body (the first playable audio: PCM or an MP3 frame); **whole**, seconds until the body ends;
their ratio. Printed per size: p50 and p95 of each, the audio's length, and the load average before and after.
The engine is warmed before the first request, as the app does at start (`voices/warmup.py`); its warm-up time is
printed too. Goal (issue 18): first audio ≤ 0.3 s. Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, isolate, machine, migrate, percentile  # noqa: E402

PROSE = (
    "The lighthouse keeper climbed the spiral stairs an hour before sunset, as he had done every evening for thirty "
    "years. Below him the sea was calm, a sheet of grey silk stretching all the way to the horizon. He trimmed the "
    "wick, polished the great lens, and checked the clockwork that turned the light. Ships depended on that beam. "
    "On stormy nights he could hear the waves crash against the rocks, and he would stay awake until dawn, watching "
    "for signals of distress. Tonight, though, the weather was gentle; a few gulls circled lazily overhead. "
)


def text_of(size: int) -> str:
    """About `size` characters of prose, ending at a sentence."""
    out = (PROSE * (size // len(PROSE) + 2))[:size]
    return out[: out.rfind(".") + 1] if "." in out else out


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def serve(app) -> tuple[str, object]:
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, name="ttfa-api", daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="300,3000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--format", default="mp3_44100_128")
    args = parser.parse_args()

    print(machine())
    isolate("ttfa")
    sys.path.insert(0, str(ROOT))
    migrate()

    import httpx
    from sqlmodel import select

    from resonance.api.app import build_api
    from resonance.generations import jobs
    from resonance.generations.models import Generation
    from resonance.jobs.runner import Runner
    from resonance.orgs import api_keys
    from resonance.orgs.scope import system_session, tenant_session
    from resonance.speech.registry import get_engine
    from resonance.voices.models import Voice
    from resonance.voices.seed import seed_system_voices
    from tests.factories import make_org, make_user, signed_in  # the test suite's account set-up, through services

    with contextlib.redirect_stdout(io.StringIO()):  # its progress lines
        seed_system_voices(synthesise=False)
    admin_user = make_user(name="Bench Admin")
    org = make_org(admin=admin_user, name="Bench")
    admin, _ = signed_in(admin_user, org)
    with tenant_session(org.id) as session:
        secret = api_keys.create_key(session=session, actor=admin, name="bench").secret
    with system_session() as session:
        voice_id = session.exec(select(Voice.id).where(Voice.org_id.is_(None))).first()

    started = time.perf_counter()
    get_engine().warm()
    print(f"engine warm-up (at start in the app): {time.perf_counter() - started:.2f} s")
    runner = Runner([jobs.GENERATION_JOBS], idle_wait_s=0.05)
    runner.start()
    base, server = serve(build_api())
    print(f"format {args.format}; {args.repeat} request(s) per size, one after another")

    with httpx.Client(base_url=base, headers={"xi-api-key": secret}, timeout=900) as client:
        for size in (int(s) for s in args.sizes.split(",")):
            text = text_of(size)
            firsts, wholes, ratios, seconds = [], [], [], []
            before = load()
            for _ in range(args.repeat):
                sent = time.perf_counter()
                first = None
                with client.stream("POST", f"/v1/text-to-speech/{voice_id}/stream",
                                   params={"output_format": args.format}, json={"text": text}) as response:
                    response.raise_for_status()
                    for piece in response.iter_raw():
                        if piece and first is None:
                            first = time.perf_counter() - sent
                    generation_id = response.headers["history-item-id"]
                whole = time.perf_counter() - sent
                with system_session() as session:
                    seconds.append(session.get(Generation, generation_id).duration_s or 0.0)
                firsts.append(first)
                wholes.append(whole)
                ratios.append(first / whole)
            firsts.sort()
            wholes.sort()
            ratios.sort()
            print(f"{len(text):>5} chars ({sum(seconds) / len(seconds):.0f} s of audio), n={len(firsts)}: "
                  f"first audio p50 {percentile(firsts, 50):.3f} p95 {percentile(firsts, 95):.3f} s; "
                  f"whole p50 {percentile(wholes, 50):.2f} p95 {percentile(wholes, 95):.2f} s; "
                  f"first/whole p50 {percentile(ratios, 50):.3f}  [goal first audio ≤ 0.3 s: "
                  f"{'met' if percentile(firsts, 95) <= 0.3 else 'NOT met'} at p95]  load {before} → {load()}")
    server.should_exit = True
    runner.stop()


if __name__ == "__main__":
    main()
