"""Issue 17's promise: a script written for ElevenLabs runs against Resonance by changing only the base URL and the
key. docs/examples/elevenlabs_quickstart.py, a plain script with the official `elevenlabs` and `openai` SDKs, runs as
its own process against the API on a loopback port, configured by environment variables alone; it must finish
cleanly, and every audio file it wrote must decode to sound."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.api.v1.decoding import decode
from tests.generations.conftest import ready_voice
from tests.speech_samples import speech_wav

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "examples" / "elevenlabs_quickstart.py"
SCRIPT_LIMIT_S = 600  # a hung script fails the test instead of the run; it normally takes well under a minute

# file the script writes → how to decode it (headerless bytes: demuxer and rate)
WRITTEN = {"hello.mp3": {}, "hello.ulaw": {"raw": "ulaw", "rate": 8000}, "hello_stream.mp3": {},
           "history_item.mp3": {}, "history_one.mp3": {}, "history_zip_first.mp3": {}, "openai.mp3": {},
           "openai_stream.wav": {}, "live_input.mp3": {}}


def test_the_quickstart_script_runs_unchanged_against_resonance(team, tls_url, certificate, system_voice, engine,
                                                              runner, tmp_path):
    """Over TLS, as a deployment serves it: the SDK's live-input helper only speaks wss://."""
    for name, kokoro_voice in (("Lucy", '"af_nicole"'), ("Chloe", '"af_nova"')):  # OpenAI's alloy and nova
        ready_voice(name=name, spec=kokoro_voice)
    (tmp_path / "voice_sample.wav").write_bytes(speech_wav(12.0))
    env = {**os.environ, "ELEVENLABS_API_KEY": team.secret, "ELEVENLABS_BASE_URL": tls_url,
           "OPENAI_API_KEY": team.secret, "OPENAI_BASE_URL": f"{tls_url}/v1", "SSL_CERT_FILE": str(certificate[0])}
    run = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=SCRIPT_LIMIT_S)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.rstrip().endswith("done")
    for name, how in WRITTEN.items():
        sound = decode((tmp_path / name).read_bytes(), **how)
        assert sound.seconds > 0.2 and sound.rms > 0.01, name


def test_the_script_names_no_server_of_its_own():
    """What makes it an ElevenLabs script: the server and key come from the environment, nothing in the code
    points at Resonance."""
    code = SCRIPT.read_text().split('"""', 2)[2]  # past the docstring, which explains how to run it
    assert not re.search(r"resonance|localhost|127\.0\.0\.1|https?://|rsk_", code, re.IGNORECASE)
    assert 'base_url=os.environ.get("ELEVENLABS_BASE_URL")' in code and "OpenAI()" in code
