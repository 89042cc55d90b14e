"""Voices and text-to-speech routes: their features arrive with the voices-and-speech work; the shell, guard and
tenant context are real now."""

import reflex as rx

from resonance.ui.layout import dashboard


def _empty(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(rx.icon(icon, size=40, color="var(--gray-8)"), rx.heading(title, size="4"),
                  rx.text(text, color_scheme="gray"), align="center"),
        width="100%", padding="4em", border="1px dashed var(--gray-6)", border_radius="12px",
    )


def voices_page() -> rx.Component:
    return dashboard(_empty("audio_lines", "No voices found", "Team Voices will appear here."), title="Voices")


def text_to_speech_page() -> rx.Component:
    return dashboard(
        _empty("volume_2", "Preview will appear here",
               "Once you generate, your audio result will appear here. Sit back and relax."),
        title="Text to Speech",
    )
