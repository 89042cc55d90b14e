"""Dashboard home: greeting and the quick input card."""

import reflex as rx

from resonance.ui.layout import dashboard
from resonance.ui.states.home import HomeState


def home_page() -> rx.Component:
    return dashboard(
        rx.vstack(
            rx.text("Nice to see you", size="3", color_scheme="gray"),
            rx.heading(HomeState.greeting_name, size="8", id="greeting-name"),
            spacing="1",
        ),
        rx.card(
            rx.vstack(
                rx.text_area(placeholder="Start typing or paste your text here...", max_length=5000,
                             value=HomeState.text, on_change=HomeState.set_text, rows="6", width="100%",
                             id="quick-text"),
                rx.hstack(
                    rx.cond(HomeState.estimate != "", rx.badge(HomeState.estimate, color_scheme="teal")),
                    rx.text(HomeState.counter, size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.button("Generate speech", on_click=HomeState.go_generate, disabled=HomeState.text_empty),
                    width="100%", align="center",
                ),
                width="100%",
            ),
            width="100%",
        ),
        title=None,
    )
