"""Dashboard home: the wavy hero with the greeting, the quick input card and the "Quick actions" cards."""

import reflex as rx

from resonance.ui.components.hero import hero
from resonance.ui.components.quick_actions import quick_actions
from resonance.ui.components.tts_editor import MAX_CHARS, PLACEHOLDER
from resonance.ui.layout import dashboard
from resonance.ui.states.home import HomeState


def _greeting() -> rx.Component:
    return rx.vstack(
        rx.text("Nice to see you", size="3", color_scheme="gray"),
        rx.heading(HomeState.greeting_name, size="8", id="greeting-name"),
        spacing="1",
    )


def _quick_input() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text_area(placeholder=PLACEHOLDER, max_length=MAX_CHARS, value=HomeState.text,
                         on_change=HomeState.set_text, rows="6", width="100%", id="quick-text"),
            rx.hstack(
                rx.cond(HomeState.estimate != "",
                        rx.badge(HomeState.estimate, color_scheme="teal", variant="soft", id="quick-estimate")),
                rx.text(HomeState.counter, size="1", color_scheme="gray", id="quick-counter"),
                rx.spacer(),
                rx.button("Generate speech", on_click=HomeState.go_generate, disabled=HomeState.text_empty,
                          id="quick-generate"),
                width="100%", align="center", wrap="wrap", gap="2",
            ),
            width="100%",
        ),
        width="100%",
    )


def home_page() -> rx.Component:
    return dashboard(hero(_greeting()), _quick_input(), quick_actions(), title=None)
