"""The dashboard layout: sidebar, mobile bar, page header, and the guard that keeps protected content hidden until
the server has confirmed the session (page source is public; data comes only from checked handlers)."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.sidebar import mobile_bar, sidebar
from resonance.ui.states.shell import ShellState

FEEDBACK_MAIL = "mailto:feedback@resonance.local"
HELP_MAIL = "mailto:support@resonance.local"


def page_header(title: str) -> rx.Component:
    # The buttons keep their one-line width and move together under the title when the row is too narrow (a phone),
    # rather than squeezing their labels onto two lines.
    return rx.hstack(
        rx.heading(title, size="6"),
        rx.spacer(),
        rx.hstack(
            rx.link(rx.button("Feedback", variant="outline", size="2", white_space="nowrap", id="feedback"),
                    href=FEEDBACK_MAIL),
            rx.link(rx.button("Need help?", variant="outline", size="2", white_space="nowrap", id="need-help"),
                    href=HELP_MAIL),
            spacing="2", flex_shrink="0",
        ),
        width="100%", align="center", wrap="wrap", id="page-header",
    )


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="60vh", width="100%")


def dashboard(*content: rx.Component, title: str | None = None) -> rx.Component:
    return rx.hstack(
        sidebar(),
        rx.vstack(
            mobile_bar(),
            rx.cond(
                ShellState.ready,
                rx.vstack(*([page_header(title)] if title else []), *content, width="100%", padding="1.5em",
                          spacing="4", max_width="1200px"),
                loading(),
            ),
            width="100%", spacing="0", min_height="100vh",
        ),
        spacing="0", width="100%", align="start",
    )
