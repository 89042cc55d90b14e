"""Text to speech in Chromium against the running app.

A member of an organization picks a built-in voice, types about 400 characters and generates: the page moves to the
generation, shows its progress, and starts playing the first finished chunk before the rest is done (the chunk
queue's log says so); when the job ends the waveform takes over, the time display runs, -10 s / +10 s and play/pause
work, and the WAV and MP3 downloads arrive under the server's names. History lists it with a relative time, pages
by 50 with "Load more", and deletes after asking (Cancel keeps the row). Another organization sees "Generation not
found" and gets 404 for the audio. When the next part is not made yet, the chunk player says "Buffering…" and plays
on once it comes, and it loads the next part while the current one plays.
"""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from .e2e_support import CHROME_ARGS, CHROMEDRIVER, CHROMIUM, ROOT, SESSION_COOKIE, Browser, RunningApp, _python

pytestmark = pytest.mark.e2e

# Three sentences: the first clause and two more parts, over 11 s of speech (the player's +10 s has room).
TEXT = ("The old lighthouse keeper climbed the spiral stairs every evening at dusk. He polished the great lens, "
        "trimmed the wick, and watched the ships slip past the rocky point. Nobody in the village remembered when he "
        "had first arrived.")
GENERATION_WAIT = 240  # seconds for these three sentences on 2 busy cores
WAV_NAME = "the-old-lighthouse-keeper-climbed-the-spiral-stair.wav"

# Generation rows straight through the model (no job): enough history for "Load more".
INSERT_ROWS = """
import sys
from datetime import timedelta
import resonance.models
from resonance.core.clock import clock
from resonance.generations.models import Generation
from resonance.orgs.scope import tenant_session
from resonance.voices.service import list_voices
org_id, count = sys.argv[1], int(sys.argv[2])
with tenant_session(org_id) as session:
    voice = list_voices(session=session).system[0]
    for i in range(count):
        session.add(Generation(org_id=org_id, voice_id=voice.id, voice_name=voice.name, text=f"Older row {i}",
                               status="failed", error="made by the test",
                               created_at=clock.now() - timedelta(days=1, minutes=i)))
"""


@pytest.fixture(scope="module")
def system_voices(app: RunningApp) -> None:
    done = subprocess.run([_python(), "-m", "resonance.voices.seed", "--samples"], cwd=ROOT, env=app.env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"seeding voices failed:\n{done.stdout}\n{done.stderr}"


def browser(app: RunningApp, tmp_path, cookie: str, *args: str) -> Browser:
    """A Chromium context that saves downloads into tmp_path/downloads, signed in with `cookie`; `args`: more
    command-line switches."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROME_ARGS + args:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    b = Browser(app, driver)
    b.open("/sign-in")
    driver.add_cookie({"name": SESSION_COOKIE, "value": cookie, "path": "/", "secure": True, "httpOnly": True,
                       "sameSite": "Lax"})
    return b


def wave_state(b: Browser) -> dict:
    return b.driver.execute_script(
        "const w = window.resonanceWave; return w ? {t: w.getCurrentTime(), d: w.getDuration(), "
        "playing: w.isPlaying()} : null")


def downloaded(folder, count: int, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = sorted(p.name for p in folder.glob("*") if not p.name.endswith(".crdownload")
                       and not p.name.startswith("."))
        if len(names) >= count:
            return names
        time.sleep(0.3)
    raise AssertionError(f"downloads did not arrive: {list(folder.glob('*'))}")


def test_generate_listen_download_history_and_isolation(app: RunningApp, system_voices, tmp_path):
    seeded = app.seed({"users": {"ada": "Ada Lovelace", "eve": "Eve Other"},
                       "orgs": {"acme": {"name": "Acme Audio", "admin": "ada"},
                                "other": {"name": "Other", "admin": "eve"}},
                       "active": {"ada": "acme", "eve": "other"}})
    org_id = seeded["orgs"]["acme"]["id"]
    b = browser(app, tmp_path / "ada", seeded["users"]["ada"]["cookie"])
    b.open("/text-to-speech")

    # The empty editor offers the sample chips; one fills the text.
    b.click(".tts-sample", text="Tell a silly joke")
    b.wait(lambda d: "scarecrow" in b.element("#tts-text").get_attribute("value"), "the sample text")

    # Pick a built-in voice and type the text: the counter follows (billing is off here: no price; test_billing.py
    # shows the estimate with billing on).
    b.click("#tts-voice")
    b.click(".tts-voice-option[data-voice-name='Evelyn']")
    b.wait_text("#tts-voice", "Evelyn - Conversational")
    b.fill("#tts-text", TEXT)
    b.wait_text("#tts-counter", f"{len(TEXT)} / 5,000 characters")
    assert b.absent("#tts-estimate")

    # Generate: the generation's page shows progress and plays the first chunk before the rest is done.
    b.click("#tts-generate")
    path = b.wait(lambda d: b.path if re.match(r"/text-to-speech/gen_\w+", b.path) else None, "the generation page")
    generation_id = path.rstrip("/").rsplit("/", 1)[-1]
    assert app.one("SELECT voice_name FROM generations WHERE id = ?", generation_id) == "Evelyn"
    b.element("#generation-progress")
    b.element("#voice-preview", timeout=GENERATION_WAIT)
    log = b.driver.execute_script("return window.resonanceChunks.log")
    events = [(entry["event"], entry["index"]) for entry in log]
    assert ("playing", 0) in events, events
    assert events.index(("playing", 0)) < max(i for i, e in enumerate(events) if e[0] == "feed"), \
        f"the first chunk played before the last one arrived: {events}"
    assert app.one("SELECT status FROM generations WHERE id = ?", generation_id) == "done"

    # The waveform: ready, playing on from where the chunks were, time display running; controls work.
    b.wait(lambda d: d.execute_script("return !!document.querySelector('.waveform-player[data-ready=\"1\"]')"),
           "the waveform to load")
    assert re.fullmatch(r"\d\d:\d\d / 00:\d\d", b.element("#player-time").text)
    state = wave_state(b)
    if not state["playing"]:
        b.click("#player-toggle")
    b.wait(lambda d: wave_state(b)["playing"], "playback")
    first = b.element("#player-time").text
    b.wait(lambda d: b.element("#player-time").text != first, "the time display to move")
    b.click("#player-toggle")
    b.wait(lambda d: not wave_state(b)["playing"], "pause")
    b.driver.execute_script("window.resonanceWave.setTime(1)")
    b.click("#player-forward")
    b.wait(lambda d: abs(wave_state(b)["t"] - 11) < 0.5, "+10 s")
    b.click("#player-back")
    b.wait(lambda d: abs(wave_state(b)["t"] - 1) < 0.5, "-10 s")
    assert b.element("#player-voice-name").text == "Evelyn"

    # Downloads, named by the server's rule.
    b.click("#download-wav")
    b.wait_text("#download-wav", "Downloading...")
    b.click("#download-mp3")
    assert downloaded(tmp_path / "ada" / "downloads", 2) == [WAV_NAME.replace(".wav", ".mp3"), WAV_NAME]

    # History: newest first with a relative time; 50 per page with "Load more"; delete.
    subprocess.run([_python(), "-c", INSERT_ROWS, org_id, "55"], cwd=ROOT, env=app.env, check=True, timeout=60)
    b.click("#tts-tab-history")
    b.wait(lambda d: len(b.elements(".history-row")) == 50, "the first page of history")
    top = b.elements(".history-row")[0]
    assert top.get_attribute("data-generation-id") == generation_id
    assert "Evelyn" in top.text
    b.wait_text(f".history-row[data-generation-id='{generation_id}'] .history-ago time", "ago")  # formatted in the browser
    b.click("#history-load-more")
    b.wait(lambda d: len(b.elements(".history-row")) == 56, "the second page")
    assert b.absent("#history-load-more")
    doomed = b.elements(".history-row")[-1].get_attribute("data-generation-id")
    doomed_row = f".history-row[data-generation-id='{doomed}']"
    b.click(f"{doomed_row} .history-delete")  # asks first, naming the text; Cancel keeps the row
    b.wait_text("[role=alertdialog]", 'Are you sure you want to delete "Older row 54"? This action cannot be undone.')
    b.click("[role=alertdialog] button", text="Cancel")
    b.wait(lambda d: b.absent("[role=alertdialog]"), "the question to close")
    assert not b.absent(doomed_row) and app.query("SELECT id FROM generations WHERE id = ?", doomed) != []
    b.click(f"{doomed_row} .history-delete")
    b.click("#history-delete-confirm")
    b.wait(lambda d: b.absent(doomed_row), "the row to go")
    assert app.query("SELECT id FROM generations WHERE id = ?", doomed) == []

    # Another organization: not found in the page, 404 for the audio, nothing in its history.
    eve_cookie = seeded["users"]["eve"]["cookie"]
    eve = browser(app, tmp_path / "eve", eve_cookie)
    try:
        eve.open(f"/text-to-speech/{generation_id}")
        eve.element("#generation-not-found")
        assert eve.absent("#voice-preview") and "lighthouse" not in eve.driver.page_source
        eve.click("#tts-tab-history")
        eve.element("#history-empty")
    finally:
        eve.driver.quit()
    for url in (f"/api/audio/{generation_id}", f"/api/audio/{generation_id}/chunks/0"):
        response = httpx.get(app.url + url, cookies={SESSION_COOKIE: eve_cookie})
        assert response.status_code == 404, (url, response.status_code)
    b.driver.quit()


def chunk_player(b: Browser) -> dict:
    return b.driver.execute_script(
        "const p = document.querySelector('#chunk-player'); return {state: p.dataset.chunkState, "
        "index: Number(p.dataset.chunkIndex), label: document.querySelector('#chunk-status').textContent}")


def test_chunks_buffer_visibly_and_preload_the_next(app: RunningApp, system_voices, tmp_path):
    """When the next part is not made yet the player says "Buffering…" and plays on once it comes; while a part
    plays, the next one is already downloaded before the current one ends."""
    seeded = app.seed({"users": {"bo": "Bo Buffer"}, "orgs": {"acme": {"name": "Buffer Audio", "admin": "bo"}},
                       "active": {"bo": "acme"}})
    # Parts are played from scripts below, with no click to allow them.
    b = browser(app, tmp_path / "bo", seeded["users"]["bo"]["cookie"], "--autoplay-policy=no-user-gesture-required")
    b.open("/text-to-speech")
    b.click("#tts-voice")
    b.click(".tts-voice-option")
    b.fill("#tts-text", TEXT)
    b.click("#tts-generate")
    path = b.wait(lambda d: b.path if re.match(r"/text-to-speech/gen_\w+", b.path) else None, "the generation page")
    generation_id = path.rstrip("/").rsplit("/", 1)[-1]
    b.wait(lambda d: d.execute_script("return !!document.querySelector('.waveform-player[data-ready=\"1\"]')"),
           "the generation to finish and the waveform to load", timeout=GENERATION_WAIT)
    total = app.one("SELECT chunks_total FROM generations WHERE id = ?", generation_id)
    assert total >= 3, total

    # Replay it as if only the first part were made: it plays, then the player says it is buffering.
    since = b.driver.execute_script(
        "window.resonanceWave.pause(); const q = window.resonanceChunks; q.reset(q.id, q.base);"
        "q.feed(q.id, q.base, 1, arguments[0], false); return q.log[q.log.length - 1].t", total)
    b.wait(lambda d: chunk_player(b)["state"] == "waiting", "the first part to end with the second not made")
    assert chunk_player(b) == {"state": "waiting", "index": 1, "label": "Buffering…"}
    b.wait_text("#chunk-status", "Buffering…")

    # The rest arrives: it plays on from the second part.
    b.driver.execute_script("const q = window.resonanceChunks; q.feed(q.id, q.base, arguments[0], arguments[0], true)",
                            total)
    b.wait(lambda d: chunk_player(b)["index"] >= 2, "the second part to play through", timeout=GENERATION_WAIT)
    log = b.driver.execute_script("return window.resonanceChunks.log.filter(e => e.t >= arguments[0])", since)
    events = [(e["event"], e["index"]) for e in log]
    assert events.index(("start", 1)) > events.index(("waiting", 1)), events
    assert f"of {total}" in b.element("#chunk-status").text or chunk_player(b)["state"] == "ended"

    # The third part was requested while the second played, and could play through before the second ended.
    preloaded = next(e for e in log if e["event"] == "preload" and e["chunk"] == 2)
    second_ended = next(e for e in log if e["event"] == "end" and e["index"] == 1)
    assert preloaded["t"] < second_ended["t"] and preloaded["index"] == 1, (preloaded, second_ended, events)
    assert second_ended["next"] == 4, (second_ended, events)  # HAVE_ENOUGH_DATA
    b.driver.quit()
