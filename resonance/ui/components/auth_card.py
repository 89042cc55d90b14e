"""The centred card the public pages (sign-in, sign-up, verification, reset, invitation) sit in."""

import reflex as rx

from resonance.ui.components.brand import wordmark


def auth_card(title: str, subtitle, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                wordmark(),
                rx.heading(title, size="6", margin_top="0.5em"),
                rx.text(subtitle, size="2", color_scheme="gray"),
                *children,
                spacing="3",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="420px",
            box_shadow="0 10px 30px rgba(0,0,0,0.08)",
        ),
        min_height="100vh",
        padding="1em",
        # Theme steps, not fixed colours: step 2 is a faint tint in light and a deep one in dark, so the card's
        # text (the theme's own) reads on it in both.
        background="linear-gradient(160deg, var(--teal-2) 0%, var(--cyan-2) 50%, var(--indigo-2) 100%)",
    )
