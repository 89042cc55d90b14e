"""The dashboard as the reference has it: the quick input card's cost badge, the "Quick actions" cards that open the
editor filled with their text, and the wavy hero (moving only where it may)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from resonance.core import routes
from resonance.ui.pages.home import home_page
from resonance.ui.samples import QUICK_ACTIONS
from resonance.ui.states.home import HomeState
from resonance.ui.states.tts import TTSState
from tests.ui.states.test_billing import BILLING_ON
from tests.ui.states.test_stale_state import Tab, token  # noqa: F401 - the fixture, shared

STYLES = Path(__file__).resolve().parents[3] / "assets" / "styles.css"


def test_the_badge_asks_for_text_then_prices_it_at_the_setting(configure):
    badge = HomeState.computed_vars["estimate"].fget
    configure(**BILLING_ON)
    assert badge(type("S", (), {"text": ""})()) == "Start typing to estimate"
    assert badge(type("S", (), {"text": "  \n "})()) == "Start typing to estimate"  # nothing billable yet
    assert badge(type("S", (), {"text": "a" * 41})()) == "$0.0123 estimated"  # $0.30 per 1,000 characters
    configure(BILLING_PRICE_PER_1000_CHARS="1")
    assert badge(type("S", (), {"text": "a" * 41})()) == "$0.0410 estimated"


def test_quick_actions_are_the_references_and_each_opens_the_editor_filled(token):  # noqa: F811
    assert [a.title for a in QUICK_ACTIONS] == ["Narrate a story", "Record an Ad", "Direct a Movie Scene",
                                               "Voice a Game Character", "Introduce Your Podcast",
                                               "Guide a Meditation"]
    rendered = str(home_page())
    assert "Quick actions" in rendered and rendered.count("Try now \\u2192") == len(QUICK_ACTIONS)
    tab = Tab(token)
    for action in QUICK_ACTIONS:
        href = routes.text_to_speech(action.sample.text)
        assert f'"{href}"' in rendered, action.title
        assert href.startswith("/text-to-speech?text=") and unquote(href.split("=", 1)[1]) == action.sample.text
        tab.visit(href, TTSState)
        assert tab.state(TTSState).text == action.sample.text


def test_the_hero_moves_on_desktop_only_and_never_under_reduced_motion():
    assert 'id:"dashboard-hero"' in str(home_page())
    css = STYLES.read_text()
    for colour in ("2DD4BF", "22D3EE", "38BDF8", "818CF8"):
        assert f"%23{colour}" in css
    assert re.search(r"\.hero-wave \{[^}]*animation: hero-drift", css)
    # Only the transform moves (the compositor's work): an animated background would repaint the hero every frame.
    drift = re.search(r"@keyframes hero-drift \{(.*)\}", css).group(1)
    assert "transform: translateX(-1200px)" in drift and "background" not in drift
    assert re.search(r"@media \(max-width: 1023px\) \{[^\n]*\.hero-waves \{ display: none; \}", css)
    assert re.search(r"@media \(prefers-reduced-motion: reduce\) \{ \.hero-wave \{ animation: none; \} \}", css)
