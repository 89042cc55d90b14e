"""Logo and wordmark."""

import reflex as rx

ACCENT = "#0d9488"


def logo(size: str = "28px") -> rx.Component:
    return rx.image(src="/logo.svg", width=size, height=size, alt="Resonance")


def wordmark() -> rx.Component:
    return rx.hstack(logo(), rx.text("Resonance", weight="bold", size="4"), align="center", spacing="2")
