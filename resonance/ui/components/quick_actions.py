"""The dashboard's "Quick actions" cards: each opens the editor filled with its sample text."""

from __future__ import annotations

import reflex as rx

from resonance.core import routes
from resonance.ui.samples import QUICK_ACTIONS, QuickAction


def _card(action: QuickAction) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.center(rx.icon(action.sample.icon, size=20, color="var(--teal-11)"), width="40px", height="40px",
                      border_radius="10px", background="var(--teal-3)"),
            rx.text(action.title, size="3", weight="bold"),
            rx.text(action.description, size="2", color_scheme="gray"),
            rx.link("Try now →", href=routes.text_to_speech(action.sample.text), size="2", weight="medium",
                    class_name="quick-action-link"),
            spacing="2", align="start", height="100%",
        ),
        class_name="quick-action", width="100%",
    )


def quick_actions() -> rx.Component:
    return rx.vstack(
        rx.heading("Quick actions", size="4"),
        rx.grid(*[_card(action) for action in QUICK_ACTIONS],
                columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%"),
        spacing="3", width="100%", id="quick-actions",
    )
