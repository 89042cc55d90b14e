"""The pages that broke on a phone, in Chromium emulating one (390 x 844 CSS pixels, touch, 3x density):

the text-to-speech page with a finished generation (the player's time beside, not over, its -10 s button), the voice
library with the create dialog on each of its tabs, the settings pages on each of their tabs, the API page and the
dashboard. On every one: no horizontal scroll, "Need help?" on one line, clear of the title, and every tab of a tab
list shown whole.
"""

from __future__ import annotations

import pytest

from .e2e_support import Browser, RunningApp, signed_in
from .test_api_keys import add_voice

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
GENERATION_WAIT = 240  # seconds: the engine's first job loads its model on 2 busy cores
SLACK = 0.5  # CSS pixels of sub-pixel rounding

# What is wider than the window (scrollWidth past innerWidth), with the elements that stick out on the right.
OVERFLOW_JS = """
const width = window.innerWidth, page = document.scrollingElement.scrollWidth;
const out = [...document.querySelectorAll('body *')].filter(el => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.right > width + 0.5 && getComputedStyle(el).position !== 'fixed';
}).slice(0, 5).map(el => `${el.tagName.toLowerCase()}#${el.id}.${String(el.className).slice(0, 60)}`);
return {width, page, out};
"""

# Each line box of an element's text: one distinct top per line.
LINES_JS = """
const range = document.createRange();
range.selectNodeContents(arguments[0]);
return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
"""

# Tabs not wholly inside their (visible) tab list and the window.
CLIPPED_TABS_JS = """
const clipped = [];
for (const list of document.querySelectorAll('[role=tablist]')) {
  const box = list.getBoundingClientRect();
  if (!box.width) continue;
  for (const tab of list.querySelectorAll('[role=tab]')) {
    const r = tab.getBoundingClientRect();
    if (r.left < Math.max(box.left, 0) - 0.5 || r.right > Math.min(box.right, window.innerWidth) + 0.5
        || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) clipped.push(tab.id || tab.textContent.trim());
  }
}
return clipped;
"""


def rect(b: Browser, css: str) -> dict:
    return b.driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                   "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}",
                                   b.element(css))


def intersect(a: dict, c: dict) -> bool:
    return (min(a["right"], c["right"]) - max(a["left"], c["left"]) > SLACK
            and min(a["bottom"], c["bottom"]) - max(a["top"], c["top"]) > SLACK)


def assert_fits(b: Browser, where: str) -> None:
    """No horizontal scroll, and every tab of every visible tab list shown whole."""
    found = b.driver.execute_script(OVERFLOW_JS)
    # A phone widens its layout viewport to content that does not fit, so innerWidth grows with the overflow.
    assert found["width"] == PHONE["width"], f"{where}: wider than the phone: {found}"
    assert found["page"] <= found["width"], f"{where}: scrolls sideways: {found}"
    clipped = b.driver.execute_script(CLIPPED_TABS_JS)
    assert clipped == [], f"{where}: tabs cut off: {clipped}"


def assert_header_fits(b: Browser, where: str) -> None:
    help_button = b.element("#need-help")
    assert b.driver.execute_script(LINES_JS, help_button) == 1, f"{where}: 'Need help?' wraps"
    title = rect(b, "#page-header h1")
    for button in ("#feedback", "#need-help"):
        assert not intersect(title, rect(b, button)), f"{where}: {button} overlaps the title"


def assert_player_fits(b: Browser) -> None:
    time_box, player = rect(b, "#player-time"), rect(b, "#voice-preview")
    for button in ("#player-back", "#player-toggle", "#player-forward"):
        assert not intersect(time_box, rect(b, button)), f"the player's time overlaps {button}"
    assert player["left"] - SLACK <= time_box["left"] and time_box["right"] <= player["right"] + SLACK, \
        "the player's time sticks out of the player"


def test_phone_pages_fit(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Admin"}, "orgs": {"acme": {"name": "Acme Phone", "admin": "ada"}},
                       "active": {"ada": "acme"}})
    add_voice(app)
    b = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    b.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)

    # Text to speech: the editor, then a finished generation with its player.
    b.open("/text-to-speech")
    b.fill("#tts-text", "Hello there, this is a short test on a phone.")
    # The first voice is chosen (Evelyn here, or Aaron once another test seeded all twenty built-in voices).
    b.wait(lambda d: b.element("#tts-voice").text.strip() not in ("", "Select a voice"), "a voice to be chosen")
    assert_fits(b, "/text-to-speech")
    assert_header_fits(b, "/text-to-speech")
    b.click("#tts-generate")
    b.wait(lambda _: b.path.startswith("/text-to-speech/gen_"), "the generation page")
    b.wait(lambda d: d.execute_script("return !!document.querySelector('.waveform-player[data-ready=\"1\"]')"),
           "the finished generation's waveform", timeout=GENERATION_WAIT)
    assert_player_fits(b)
    assert_fits(b, "the generation page")
    assert_header_fits(b, "the generation page")
    b.click("#tts-tab-history")
    b.element(".history-row")
    assert_fits(b, "the generation page's history")

    # The voice library and the create dialog, on each tab.
    b.open("/voices")
    b.element(".voice-card[data-voice-name='Evelyn']")
    assert_fits(b, "/voices")
    assert_header_fits(b, "/voices")
    b.click("#open-create-voice")
    b.element("#create-voice-dialog")
    for tab in ("upload", "record"):
        b.click(f"#create-tab-{tab}")
        b.wait(lambda d: b.element(f"#create-tab-{tab}").get_attribute("data-state") == "active", f"the {tab} tab")
        assert_fits(b, f"the create dialog's {tab} tab")
        dialog = rect(b, "#create-voice-dialog")
        assert dialog["left"] >= -SLACK and dialog["right"] <= PHONE["width"] + SLACK, \
            f"the create dialog is wider than the phone: {dialog}"

    # The settings pages, each tab of the organization's.
    b.open("/settings/organization")
    for tab in ("general", "members", "invitations", "audit"):
        b.click(f"#tab-{tab}")
        b.wait(lambda d: b.element(f"#tab-{tab}").get_attribute("data-state") == "active", f"the {tab} tab")
        assert_fits(b, f"organization settings, {tab}")
        assert_header_fits(b, f"organization settings, {tab}")
    for path, shown in (("/account", "#profile-save"), ("/settings/api-keys", "#api-key-create"),
                        ("/settings/billing", "#page-header h1"), ("/docs/api", "#api-docs-base-url")):
        b.open(path)
        b.element(shown)
        assert_fits(b, path)
        assert_header_fits(b, path)
    b.open("/")
    b.element("#quick-text")
    assert_fits(b, "the dashboard")
