"""The dashboard as the reference has it, in Chromium against the running app: the wavy hero drifts on a desktop,
stands still under prefers-reduced-motion and is not shown on a phone; a "Quick actions" card opens the editor with
its text. Screenshots of the three land in the folder the test prints."""

from __future__ import annotations

import pytest

from resonance.ui.samples import QUICK_ACTIONS

from .e2e_support import Browser, RunningApp, new_driver, quit_quietly, signed_in

pytestmark = pytest.mark.e2e

WAVES = ".hero-wave"


def wave_motion(b: Browser) -> list[str]:
    """Each wave's animation name, or "hidden" where it is not shown."""
    return b.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(w => w.offsetParent === null ? 'hidden'"
        " : getComputedStyle(w).animationName);", WAVES)


def first_wave_position(b: Browser) -> str:
    return b.driver.execute_script("return getComputedStyle(document.querySelector(arguments[0])).transform", WAVES)


def test_the_hero_moves_where_it_may_and_quick_actions_fill_the_editor(app: RunningApp, tmp_path):
    seeded = app.seed({"users": {"ada": "Ada Admin"}, "orgs": {"acme": {"name": "Acme Home", "admin": "ada"}},
                       "active": {"ada": "acme"}})
    driver = new_driver(tmp_path / "profile", motion=True)  # the pool's browsers ask for reduced motion
    try:
        check_hero_and_quick_actions(signed_in(lambda: Browser(app, driver), seeded["users"]["ada"]["cookie"]),
                                     tmp_path)
    finally:
        quit_quietly(driver)


def check_hero_and_quick_actions(b: Browser, tmp_path) -> None:
    print(f"\ndashboard screenshots: {tmp_path}")
    b.open("/")
    b.element("#dashboard-hero")
    b.wait(lambda _: wave_motion(b) == ["hero-drift"] * 4, "four drifting waves")
    where = first_wave_position(b)
    b.wait(lambda _: first_wave_position(b) != where, "the first wave to move")
    b.driver.save_screenshot(str(tmp_path / "desktop.png"))

    b.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                             {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    b.wait(lambda _: wave_motion(b) == ["none"] * 4, "the waves to stand still")
    b.driver.save_screenshot(str(tmp_path / "desktop-reduced-motion.png"))
    b.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    b.driver.set_window_size(390, 844)
    b.wait(lambda _: wave_motion(b) == ["hidden"] * 4, "no waves on a phone")
    b.wait(lambda d: d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"),
           "no horizontal scroll on a phone")
    b.driver.save_screenshot(str(tmp_path / "phone.png"))
    b.driver.set_window_size(1280, 900)

    # The quick input card: the counter follows the box (billing is off here: no price badge).
    b.fill("#quick-text", "Hello there.")
    b.wait_text("#quick-counter", "12 / 5,000 characters")
    assert b.absent("#quick-estimate")

    # "Try now →" on a card: the editor, filled with that card's text.
    story = QUICK_ACTIONS[0].sample.text
    b.click(".quick-action-link", text="Try now")
    b.wait_path("/text-to-speech")
    b.wait(lambda _: b.element("#tts-text").get_attribute("value") == story, "the editor filled with the story")
