"""The voice library and the Create custom voice dialog, in Chromium against the running app.

A person signs up and creates an organization, finds the 20 built-in voices A–Z with previews that play one at a
time, searches (the address follows as `?query=`, and a `?query=` link pre-fills the search) and filters by
category and language. A 5-second sample is refused with the reference's message and creates nothing; a 13-second
one appears under Team Voices, "Being matched to Kokoro voices…" until the in-process job is done; then the card says
what it is ("Matched voice", the Kokoro voices it blends, not a clone) and a similarity only with its scale. The voice
is edited (the dialog says the same), then deleted with the reference's confirmation. Recording uses Chromium's fake
microphone playing a speech file and uploads as a mono 44.1 kHz WAV. A Member sees no Edit/Delete on an Admin's voice
but does on their own.
"""

from __future__ import annotations

import subprocess
import time
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By

from resonance.speech import audio
from resonance.voices import labels
from resonance.voices.models import Voice, VoiceVariant
from tests.speech_samples import speech_wav

from .e2e_support import ROOT, SESSION_COOKIE, Browser, RunningApp, _python, new_driver
from .test_journey import create_org, sign_up, verify

pytestmark = pytest.mark.e2e

MATCH_WAIT = 420  # seconds, generous: a match shares the 2 cores with the other worker's tests


@pytest.fixture(scope="module")
def system_voices(app: RunningApp) -> None:
    """The 20 built-in voices in the app's database (the seed copies cached samples: seconds)."""
    done = subprocess.run([_python(), "-m", "resonance.voices.seed", "--samples"], cwd=ROOT, env=app.env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"seeding voices failed:\n{done.stdout}\n{done.stderr}"


def _wav(seconds: float, tmp_path, name: str) -> str:
    """A WAV file of `seconds` of speech (tests/speech_samples.py), 16-bit mono at 44.1 kHz."""
    path = tmp_path / name
    path.write_bytes(speech_wav(seconds, 44100))
    return str(path)


def names(b: Browser, section: str) -> list[str]:
    return [el.get_attribute("data-voice-name") for el in b.elements(f"#{section} .voice-card")]


def preview_state(b: Browser, name: str) -> str:
    return b.driver.execute_script(
        "return document.querySelector(`.voice-card[data-voice-name='${arguments[0]}'] .voice-preview`)"
        ".dataset.state || 'idle'", name)


def custom_rows(app: RunningApp, org_id: str) -> list[tuple]:
    return app.query("SELECT name, category, language, description, match_status, similarity FROM voices "
                     "WHERE org_id = ? ORDER BY created_at", org_id)


def matched_kind(app: RunningApp, voice_id: str) -> labels.VoiceKind:
    """What the card must say of the voice, from the row the matcher wrote (Kokoro: a matched voice)."""
    status, engine_voice, report, similarity = app.one(
        "SELECT match_status, engine_voice, match_report, similarity FROM voices WHERE id = ?", voice_id)
    voice = Voice(variant=VoiceVariant.CUSTOM, name="", match_status=status, engine_voice=engine_voice,
                  match_report=report, similarity=similarity)
    return labels.describe(voice, clones=False)


def check_matched_card(b: Browser, card: str, kind: labels.VoiceKind) -> None:
    """The badge and the sentence; a figure only with its scale, which the (i) opens (a tap on a phone)."""
    shown = b.element(f"{card} .voice-match").text
    assert kind.badge == "Matched voice" and kind.badge in shown, shown
    assert b.element(f"{card} .voice-kind").text == kind.sentence
    assert kind.sentence.startswith("Matched voice: ") and "not a clone of your recording" in kind.sentence
    if kind.similarity_text:  # a match measured on held-back speech
        assert kind.similarity_text in shown, shown
        b.click(f"{card} .voice-similarity-info")
        b.wait_text(".voice-similarity-scale", labels.SIMILARITY_SCALE)
        b.click(f"{card} .voice-similarity-info")  # the same (i) closes it
        b.wait(lambda _: b.absent(".voice-similarity-scale"), "the scale to close")
    else:
        assert "% similar" not in shown, shown


def remove_sample(b: Browser) -> None:
    """Remove the chosen file, and wait until the page has also emptied the file input (a file chosen before that
    would be cleared with it)."""
    b.click("#voice-file-remove")
    b.wait(lambda _: b.absent(".voice-sample"), "the removed sample to go")
    b.wait(lambda d: d.execute_script("return document.getElementById('voice-file').value") == "",
           "the file input to be emptied")


def pick(b: Browser, trigger: str, option: str) -> None:
    b.click(trigger)
    b.click("[role=option]", text=option)


def search_language(b: Browser, query: str, label: str) -> None:
    """Type `query` into the language combobox and pick `label` from its list. Typed again until the list shows it:
    the field's focus event, answered after the typing, or focus returning to the category select as its list
    closes, can clear what was typed."""
    def picked(_):
        options = [el for el in b.elements(".voice-language-option") if label in el.text]
        if options:
            try:
                options[0].click()
            except ElementClickInterceptedException:
                return False
            return True
        field = b.element("#voice-language")
        if field.get_attribute("value") != query or b.driver.switch_to.active_element != field:
            field.click()
            field.clear()
            field.send_keys(query)
        return False
    b.wait(picked, f"{label!r} to be offered for {query!r}")


def test_library_search_filters_upload_match_edit_delete(app: RunningApp, system_voices, new_browser, tag,
                                                         tmp_path):
    mailbox, b = new_browser(), new_browser()
    email, org = f"vera-{tag}@example.com", f"Voice Studio {tag}"
    sign_up(b, name="Vera Voice", email=email)
    verify(b, mailbox, email)
    create_org(b, org)
    org_id = app.one("SELECT id FROM organizations WHERE name = ?", org)

    # The library: 20 built-in voices A–Z, no team voices yet.
    b.open("/voices")
    b.wait(lambda _: len(names(b, "builtin-voices")) == 20, "the 20 built-in voices")
    built_in = names(b, "builtin-voices")
    assert built_in == sorted(built_in) and built_in[0] == "Aaron" and built_in[-1] == "Walter"
    b.wait_text("#team-voices", "No voices found")
    assert "Team Voices will appear here" in b.element("#team-voices").text
    assert "United Kingdom" in b.element('.voice-card[data-voice-name="Abigail"]').text

    # Previews play one at a time.
    b.click('.voice-card[data-voice-name="Aaron"] .voice-preview')
    b.wait(lambda _: preview_state(b, "Aaron") == "playing", "Aaron's preview to play")
    b.click('.voice-card[data-voice-name="Brian"] .voice-preview')
    b.wait(lambda _: preview_state(b, "Brian") == "playing", "Brian's preview to play")
    assert preview_state(b, "Aaron") == "idle"
    b.click('.voice-card[data-voice-name="Brian"] .voice-preview')
    b.wait(lambda _: preview_state(b, "Brian") == "idle", "Brian's preview to stop")

    # Search follows the address, and an address with ?query= pre-fills it.
    b.fill("#voice-search", "warm")
    b.wait(lambda _: "query=warm" in b.path and "Aaron" not in names(b, "builtin-voices"), "the search to apply")
    assert set(names(b, "builtin-voices")) == {"Abigail", "Ethan", "Evelyn", "Gordon", "Laura"}
    b.open("/voices?query=calm")
    b.wait(lambda _: names(b, "builtin-voices") == ["Aaron", "Gavin"], "?query=calm to filter")
    assert b.element("#voice-search").get_attribute("value") == "calm"
    b.click("#voice-search-clear")
    b.wait(lambda _: len(names(b, "builtin-voices")) == 20 and "query=" not in b.path, "the search to clear")

    # Filters: category, then language (only languages present are offered).
    pick(b, "#voice-category-filter", "Customer Service")
    b.wait(lambda _: names(b, "builtin-voices") == ["Anaya", "Brian", "Lucy", "Meera"], "the category filter")
    pick(b, "#voice-language-filter", "India")
    b.wait(lambda _: names(b, "builtin-voices") == ["Anaya", "Meera"], "the language filter")
    pick(b, "#voice-category-filter", "All categories")
    pick(b, "#voice-language-filter", "All languages")
    b.wait(lambda _: len(names(b, "builtin-voices")) == 20, "the filters to clear")

    # The dialog checks its fields, and the server refuses a sample under 10 seconds or without speech; nothing is
    # created.
    b.click("#open-create-voice")
    b.click("#create-voice-submit")
    b.wait_text("#create-voice-dialog", "Voice name is required")
    b.wait_text("#create-voice-dialog", "Audio file is required")
    b.driver.find_element(By.ID, "voice-file").send_keys(_wav(5, tmp_path, "short.wav"))
    b.wait_text(".voice-sample", "short.wav")
    b.fill("#voice-name", "Too Short")
    b.click("#create-voice-submit")
    b.wait_text("#create-voice-error", "Audio too short (5.0s). Minimum duration is 10 seconds.")
    assert custom_rows(app, org_id) == []
    # Nor is 12 seconds of silence a voice: the message says what to fix.
    remove_sample(b)
    silence = tmp_path / "silence.wav"
    silence.write_bytes(audio.to_wav(np.zeros(12 * 44100, np.float32), 44100))
    b.driver.find_element(By.ID, "voice-file").send_keys(str(silence))
    b.wait_text(".voice-sample", "silence.wav")
    b.click("#create-voice-submit")
    b.wait_text("#create-voice-error", "We heard nothing in this recording")
    assert custom_rows(app, org_id) == []

    # A 13-second sample with every field set.
    remove_sample(b)
    b.driver.find_element(By.ID, "voice-file").send_keys(_wav(13, tmp_path, "walter.wav"))
    b.wait_text(".voice-sample", "walter.wav")
    b.fill("#voice-name", "Grandpa Walt")
    pick(b, "#voice-category", "Narrative")
    search_language(b, "united kingdom", "English (United Kingdom)")
    b.wait(lambda _: b.element("#voice-language").get_attribute("value") == "English (United Kingdom)",
           "the language to be chosen")
    b.fill("#voice-description", "Old and raspy")
    b.click("#create-voice-submit")
    b.wait(lambda _: b.absent("#create-voice-dialog"), "the dialog to close")
    b.wait_text("#team-voices", "Grandpa Walt")
    card = '.voice-card[data-voice-name="Grandpa Walt"]'
    assert custom_rows(app, org_id)[0][:4] == ("Grandpa Walt", "NARRATIVE", "en-GB", "Old and raspy")

    # Matching runs in the app's process; the card follows it, then says what the voice is ("matched": Kokoro).
    b.wait(lambda _: "Matched voice" in b.element(f"{card} .voice-match").text, "the voice to be matched",
           timeout=MATCH_WAIT)
    kind = matched_kind(app, b.element(card).get_attribute("data-voice-id"))
    check_matched_card(b, card, kind)

    # Edit: the dialog says the same in full.
    b.click(f"{card} .voice-menu")
    b.click(".voice-edit")
    b.wait_text(".voice-kind-details", kind.sentence)
    b.fill("#edit-voice-name", "Grandpa Walter")
    b.click("#edit-voice-submit")
    b.wait_text("#team-voices", "Grandpa Walter")
    assert custom_rows(app, org_id)[0][0] == "Grandpa Walter"

    # Delete, with the reference's confirmation.
    card = '.voice-card[data-voice-name="Grandpa Walter"]'
    b.click(f"{card} .voice-menu")
    b.click(".voice-delete")
    b.wait_text("[role=alertdialog]",
                'Are you sure you want to delete "Grandpa Walter"? This action cannot be undone.')
    b.click("#voice-delete-confirm")
    b.wait_text("#team-voices", "No voices found")
    b.wait_text("body", "Voice deleted successfully")
    assert custom_rows(app, org_id) == []
    assert not list((app.data_dir / "storage" / "voices" / "orgs").glob(f"{org_id}/*"))


def _signed_in(b: Browser, cookie: str) -> None:
    b.open("/sign-in")
    b.driver.add_cookie({"name": SESSION_COOKIE, "value": cookie, "path": "/", "secure": True, "httpOnly": True,
                         "sameSite": "Lax"})


def test_record_with_a_microphone_and_who_may_change_a_voice(app: RunningApp, system_voices, tmp_path):
    team = app.seed({"users": {"admin": "Ann Admin", "member": "Max Member"},
                     "orgs": {"org": {"name": "Recording Room", "admin": "admin", "members": ["member"]}},
                     "active": {"admin": "org", "member": "org"}})
    org_id = team["orgs"]["org"]["id"]
    answer = httpx.post(f"{app.url}/api/voices/create", params={"name": "Admin Voice", "category": "PODCAST",
                                                                 "language": "en-US"},
                        content=open(_wav(12, tmp_path, "a.wav"), "rb").read(),
                        headers={"Content-Type": "audio/wav", "Origin": app.url},
                        cookies={SESSION_COOKIE: team["users"]["admin"]["cookie"]}, timeout=60)
    assert answer.status_code == 201, answer.text

    b = Browser(app, new_driver(tmp_path / "profile", microphone=Path(_wav(30, tmp_path, "microphone.wav"))))
    try:
        _signed_in(b, team["users"]["member"]["cookie"])
        # The sidebar's "Voice cloning" opens the dialog on /voices.
        b.open("/voices")
        b.wait_text("#team-voices", "Admin Voice")
        b.click("a[title='Voice cloning']")
        b.element("#create-voice-dialog")
        b.click("#create-tab-record")
        b.wait_text("#create-voice-dialog", "Click record to start capturing audio")
        # The minimum is said before recording, from the setting the server checks.
        b.wait_text("#record-hint", "Record at least 10 seconds of you talking; about 15 seconds is safest.")
        b.click("#record-start")
        b.element("#record-stop")
        # The live waveform: the level canvas gets drawn bars while the microphone plays.
        drawn = ("const c = document.getElementById('record-level');"
                 "return !!c && c.width > 0 && c.getContext('2d').getImageData(0, 0, c.width, c.height)"
                 ".data.some((v, i) => i % 4 === 3 && v > 0);")
        b.wait(lambda d: d.execute_script(drawn), "the live waveform to draw")
        b.wait(lambda _: b.element("#record-timer").text >= "00:00:13", "13 seconds of recording", timeout=40)
        b.click("#record-stop")
        b.wait_text(".voice-sample", "recording.wav")
        b.fill("#voice-name", "Max Recording")
        b.click("#create-voice-submit")
        b.wait(lambda _: b.absent("#create-voice-dialog"), "the dialog to close")
        b.wait_text("#team-voices", "Max Recording")
        key = app.one("SELECT original_key FROM voices WHERE name = 'Max Recording' AND org_id = ?", org_id)
        # The upload as it came (local storage keeps each object's bytes in <key>/.data).
        with wave.open(str(app.data_dir / "storage" / key / ".data"), "rb") as recording:
            assert (recording.getnchannels(), recording.getframerate(), recording.getsampwidth()) == (1, 44100, 2)
            assert recording.getnframes() / 44100 >= 10

        # A Member may change their own voice, not the Admin's.
        def menu(name: str) -> list[str]:
            b.click(f'.voice-card[data-voice-name="{name}"] .voice-menu')
            b.element("[role=menuitem]", text="Use this voice")
            time.sleep(0.5)  # the menu's opening animation: every item shown
            items = [el.text for el in b.elements("[role=menuitem]")]
            b.driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape
            b.wait(lambda _: not b.elements("[role=menuitem]"), "the menu to close")
            return items

        assert menu("Admin Voice") == ["Use this voice"]
        assert menu("Max Recording") == ["Use this voice", "Edit voice", "Delete voice"]
    finally:
        b.driver.quit()
