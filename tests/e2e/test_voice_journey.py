"""One voice from upload to deletion, in Chromium against the running app (issue 3, Tests → Browser).

An Admin uploads a 12-second sample from /voices; the card under Team Voices follows the matching job until it says
"Matched voice" and which Kokoro voices it blends. The card's "Use this voice" opens /text-to-speech?voiceId=… with
that voice chosen; about 150 characters are generated with it: the generation's page shows its progress, then the
player (the chunk queue played chunk 0, the waveform's time display runs), the WAV download arrives under the
server's name and History lists the generation with the voice's name. The voice is then deleted from its card; the
generation's page still names the voice in the player, its voice select reads "Unavailable voice", and its audio is
still served. In the database the generation's voice_id is NULL and its voice_name kept.

Reuses test_tts.py (download-dir browser, waveform state, downloads) and test_voices.py (sample, built-in voices).
"""

from __future__ import annotations

import io
import re
import wave

import httpx
import pytest

from .e2e_support import SESSION_COOKIE, Browser, RunningApp
from .test_tts import browser, downloaded, wave_state
from .test_voices import _wav, check_matched_card, matched_kind, system_voices  # noqa: F401  (a fixture by name)

pytestmark = pytest.mark.e2e

TEXT = ("Morning fog rolled over the harbour as the fishing boats came home. Gulls circled the masts, and the old "
        "bell rang twice to welcome the tired sailors back.")  # 155 characters: three chunks (40, 80, the rest)
WAV_NAME = "morning-fog-rolled-over-the-harbour-as-the-fishing.wav"  # the server's rule: first 50 characters
MATCH_WAIT = 420  # seconds, generous: a match shares the 2 cores with the other worker's tests
GENERATION_WAIT = 180  # seconds for ~150 characters with a matched (blended) voice


def card_of(name: str) -> str:
    return f'#team-voices .voice-card[data-voice-name="{name}"]'


def card_menu(b: Browser, name: str, item: str) -> None:
    """Open the card's "More actions" menu and choose `item` (its class: voice-use, voice-edit, voice-delete)."""
    b.click(f"{card_of(name)} .voice-menu")
    b.click(f"[role=menuitem].{item}")


def test_voice_from_upload_to_generation_to_deletion(app: RunningApp, system_voices, tmp_path):  # noqa: F811
    seeded = app.seed({"users": {"admin": "Ada Admin"},
                       "orgs": {"studio": {"name": "Harbour Sound", "admin": "admin"}},
                       "active": {"admin": "studio"}})
    org_id, cookie = seeded["orgs"]["studio"]["id"], seeded["users"]["admin"]["cookie"]
    voice_name = "Harbour Walter"
    b = browser(app, tmp_path, cookie)
    try:
        # Upload a 12-second sample through "Custom voice" on /voices.
        b.open("/voices")
        b.wait(lambda _: len(b.elements("#builtin-voices .voice-card")) == 20, "the 20 built-in voices")
        b.wait_text("#team-voices", "No voices found")
        b.click("#open-create-voice")
        b.element("#create-voice-dialog")
        b.driver.find_element("id", "voice-file").send_keys(_wav(12, tmp_path, "harbour.wav"))
        b.wait_text(".voice-sample", "harbour.wav")
        b.fill("#voice-name", voice_name)
        b.click("#create-voice-submit")
        b.wait(lambda _: b.absent("#create-voice-dialog"), "the dialog to close")
        card = b.element(card_of(voice_name))
        voice_id = card.get_attribute("data-voice-id")
        assert app.one("SELECT name FROM voices WHERE id = ? AND org_id = ? AND variant = 'CUSTOM'",
                       voice_id, org_id) == voice_name

        # The job runner matches it; the card says what the voice is, and a similarity only with its scale.
        b.wait(lambda _: "Matched voice" in b.element(f"{card_of(voice_name)} .voice-match").text,
               "the voice to be matched", timeout=MATCH_WAIT)
        status, similarity = app.one("SELECT match_status, similarity FROM voices WHERE id = ?", voice_id)
        assert status == "done" and 0 < similarity <= 1
        check_matched_card(b, card_of(voice_name), matched_kind(app, voice_id))

        # "Use this voice": the editor opens with it chosen.
        card_menu(b, voice_name, "voice-use")
        b.wait_path("/text-to-speech")
        assert f"voiceId={voice_id}" in b.path, b.path
        b.wait_text("#tts-voice", f"{voice_name} - General")

        # Generate ~150 characters with it: progress, then the player.
        b.fill("#tts-text", TEXT)
        b.wait_text("#tts-counter", f"{len(TEXT)} / 5,000 characters")
        b.click("#tts-generate")
        path = b.wait(lambda _: b.path if re.match(r"/text-to-speech/gen_\w+", b.path) else None,
                      "the generation page")
        generation_id = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        assert app.one("SELECT voice_id, voice_name FROM generations WHERE id = ?", generation_id) == \
            (voice_id, voice_name)
        b.element("#generation-progress")
        b.element("#voice-preview", timeout=GENERATION_WAIT)
        assert app.one("SELECT status FROM generations WHERE id = ?", generation_id) == "done"
        assert b.element("#player-voice-name").text == voice_name

        # Playback: the chunk queue played chunk 0 while the rest was made; the waveform loads and its time runs.
        events = [(e["event"], e["index"]) for e in b.driver.execute_script("return window.resonanceChunks.log")]
        assert ("playing", 0) in events, events
        b.element("#waveform")
        b.wait(lambda d: d.execute_script("return !!document.querySelector('.waveform-player[data-ready=\"1\"]')"),
               "the waveform to load")
        assert re.fullmatch(r"\d\d:\d\d / 00:\d\d", b.element("#player-time").text)
        if not wave_state(b)["playing"]:
            b.click("#player-toggle")  # at the end (the chunks already played it all), play starts over
        b.wait(lambda _: wave_state(b)["playing"], "playback")
        first = b.element("#player-time").text
        b.wait(lambda _: b.element("#player-time").text != first, "the time display to move")
        b.click("#player-toggle")
        b.wait(lambda _: not wave_state(b)["playing"], "pause")

        # Download the WAV: the server's name, a real WAV.
        b.click("#download-wav")
        assert downloaded(tmp_path / "downloads", 1) == [WAV_NAME]
        with wave.open(str(tmp_path / "downloads" / WAV_NAME), "rb") as audio:
            assert audio.getnframes() / audio.getframerate() > 3

        # History lists it with the voice's name.
        b.click("#tts-tab-history")
        row = f".history-row[data-generation-id='{generation_id}']"
        b.wait_text(row, voice_name)
        assert b.elements(".history-row")[0].get_attribute("data-generation-id") == generation_id

        # Delete the voice from its card, with the confirmation.
        b.open("/voices")
        b.element(card_of(voice_name))
        card_menu(b, voice_name, "voice-delete")
        b.wait_text("[role=alertdialog]", f'Are you sure you want to delete "{voice_name}"?')
        b.click("#voice-delete-confirm")
        b.wait_text("#team-voices", "No voices found")
        assert app.query("SELECT id FROM voices WHERE id = ?", voice_id) == []
        assert app.one("SELECT voice_id, voice_name FROM generations WHERE id = ?", generation_id) == \
            (None, voice_name)

        # The generation keeps its voice's name; the select says the voice is gone; the audio is still there.
        b.open(f"/text-to-speech/{generation_id}")
        b.element("#voice-preview")
        b.wait_text("#player-voice-name", voice_name)
        b.wait_text("#tts-voice", "Unavailable voice")
        b.element("#tts-voice-unavailable")
        assert not b.element("#tts-generate").is_enabled()  # nothing to speak it with until a voice is chosen
        b.click("#tts-tab-history")
        b.wait_text(row, voice_name)
        response = httpx.get(f"{app.url}/api/audio/{generation_id}", cookies={SESSION_COOKIE: cookie}, timeout=30)
        assert response.status_code == 200, (response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("audio/wav")
        with wave.open(io.BytesIO(response.content), "rb") as audio:
            assert audio.getnframes() > 0
    finally:
        b.driver.quit()
