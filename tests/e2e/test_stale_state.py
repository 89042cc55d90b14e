"""Nothing of an earlier visit shows as if it were now, in Chromium against the running app, moving by the sidebar
as a person does (client-side navigation, the same tab's state):

the dashboard's counter counts the box (empty again after a visit elsewhere); the create-voice dialog opens from
"Voice cloning" and not by itself on the next visit to /voices, even when it was left open; a filter shows in its
control and the address, and coming back by "Explore voices" shows the whole library with empty controls; Generate
is off while the generation the page shows is spoken, and on again once it is done or cancelled; Cancel stops the
job and nothing of it is kept.
"""

from __future__ import annotations

import pytest

from .e2e_support import Browser, RunningApp, signed_in
from .test_api_keys import add_voice
from .test_voices import pick

pytestmark = pytest.mark.e2e

GENERATION_WAIT = 240  # seconds: the engine's first job loads its model on 2 busy cores
LONG_TEXT = " ".join(["The tide came in slowly over the flat grey sand, and the gulls rose above the pier."] * 40)


def nav(b: Browser, label: str) -> None:
    b.click(f"a[title='{label}']")


def generate_state(b: Browser) -> str:
    """`speaking-enabled` is the bug; otherwise whether the job is still shown and whether Generate is on."""
    return b.driver.execute_script(
        "const on = !document.querySelector('#tts-generate').disabled;"
        "const speaking = !!document.querySelector('#generation-progress');"
        "return (speaking ? 'speaking' : document.querySelector('#voice-preview') ? 'done' : 'waiting')"
        " + (on ? '-enabled' : '-disabled')")


def test_no_state_of_an_earlier_visit_shows(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Admin"}, "orgs": {"acme": {"name": "Acme Stale", "admin": "ada"}},
                       "active": {"ada": "acme"}})
    add_voice(app)
    b = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    b.open("/")

    # The dashboard's counter counts what is in the box, on every visit.
    b.fill("#quick-text", "Hello there.")
    b.wait_text("body", "12 / 5,000 characters")
    nav(b, "Explore voices")
    b.wait_path("/voices")
    nav(b, "Dashboard")
    b.wait_path("/")
    b.wait_text("body", "0 / 5,000 characters")
    assert b.element("#quick-text").get_attribute("value") == ""

    # The create dialog: opened by "Voice cloning", left open (the browser's Back), not open on the next visit.
    nav(b, "Voice cloning")
    b.element("#create-voice-dialog")
    b.driver.back()
    b.wait_path("/")
    nav(b, "Explore voices")
    b.element(".voice-card[data-voice-name='Evelyn']")
    assert b.absent("#create-voice-dialog")

    # A filter shows in its control and in the address; back by the sidebar: the whole library, empty controls.
    pick(b, "#voice-category-filter", "Customer Service")
    b.wait(lambda _: "category=CUSTOMER_SERVICE" in b.path and b.absent(".voice-card"), "the category filter")
    b.fill("#voice-search", "Eve")
    b.wait(lambda _: "query=Eve" in b.path, "the search in the address")
    nav(b, "Dashboard")
    b.wait_path("/")
    nav(b, "Explore voices")
    b.element(".voice-card[data-voice-name='Evelyn']")
    assert b.path == "/voices"
    assert b.element("#voice-category-filter").text == "All categories"
    assert b.element("#voice-search").get_attribute("value") == ""

    # Generate is off while its job runs, on again when it is done.
    nav(b, "Text to speech")
    b.fill("#tts-text", "Hello there.")
    b.wait_text("#tts-voice", "Evelyn")
    b.click("#tts-generate")
    path = b.wait(lambda _: b.path if b.path.startswith("/text-to-speech/gen_") else None, "the generation page")
    seen: set[str] = set()

    def finished(_) -> bool:
        seen.add(state := generate_state(b))
        assert state != "speaking-enabled", "Generate is enabled while its generation is spoken"
        return state == "done-enabled"

    b.wait(finished, "the generation to finish with Generate on again", timeout=GENERATION_WAIT)
    assert "speaking-disabled" in seen, seen

    # Cancel: a long text, stopped at once; the page says so, Generate is on again, the row keeps no audio.
    b.fill("#tts-text", LONG_TEXT)
    b.click("#tts-generate")
    b.wait(lambda _: b.path.startswith("/text-to-speech/gen_") and b.path != path, "the second generation's page")
    generation_id = b.path.rstrip("/").rsplit("/", 1)[-1]
    b.click("#generation-cancel")
    b.element("#generation-cancelled")
    b.wait(lambda _: b.element("#tts-generate").is_enabled(), "Generate to be on again")
    assert app.one("SELECT status, object_key FROM generations WHERE id = ?", generation_id) == ("cancelled", None)
