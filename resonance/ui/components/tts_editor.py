"""Pieces of the text-to-speech editor: the text area, its footers, the sample chips, the voice select, the
preview placeholder and the history rows. They take Vars and event handlers; they know no state."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from resonance.ui.components.local_time import local_time
from resonance.ui.samples import SAMPLES

PLACEHOLDER = "Start typing or paste your text here..."
MAX_CHARS = 5000
STATUS_COLORS = (("queued", "gray"), ("running", "blue"), ("failed", "red"), ("cancelled", "gray"))
STATUS_LABELS = (("queued", "Queued"), ("running", "Generating"), ("failed", "Failed"),
                 ("cancelled", "Cancelled"))


def voice_avatar(background, size: str = "20px") -> rx.Component:
    """A round avatar painted from the voice's seeded colours."""
    return rx.box(width=size, height=size, min_width=size, border_radius="999px", background=background,
                  box_shadow="inset 0 0 0 1px rgba(0,0,0,0.08)", class_name="voice-avatar")


def text_input(value, on_change, disabled) -> rx.Component:
    return rx.text_area(
        id="tts-text", value=value, on_change=on_change, placeholder=PLACEHOLDER, max_length=MAX_CHARS,
        disabled=disabled, variant="soft", size="3", width="100%", flex="1", min_height="260px",
        style={"& textarea": {"font-size": "16px", "line-height": "1.6", "resize": "none"},
               "background": "transparent"},
    )


def sample_chips(on_select: Callable[[int], rx.event.EventSpec]) -> rx.Component:
    return rx.vstack(
        rx.text("Get started with", size="2", color_scheme="gray"),
        rx.flex(
            *[rx.button(rx.icon(sample.icon, size=14), sample.label, variant="outline", color_scheme="gray",
                        size="1", radius="full", on_click=on_select(index), class_name="tts-sample")
              for index, sample in enumerate(SAMPLES)],
            wrap="wrap", gap="2",
        ),
        spacing="2", width="100%",
    )


def generate_footer(*, estimate, counter, submitting, can_generate, on_generate) -> rx.Component:
    return rx.hstack(
        rx.cond(estimate != "", rx.badge(estimate, color_scheme="teal", variant="soft", id="tts-estimate")),
        rx.text(counter, size="1", color_scheme="gray", id="tts-counter"),
        rx.spacer(),
        rx.button(
            rx.cond(submitting, rx.hstack(rx.spinner(size="1"), rx.text("Generating..."), align="center",
                                          spacing="2"), rx.text("Generate speech")),
            id="tts-generate", size="2", on_click=on_generate, disabled=~can_generate,
        ),
        width="100%", align="center", wrap="wrap", gap="2",
    )


def preview_placeholder() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("audio_lines", size=32, color="var(--gray-8)"),
            rx.text("Preview will appear here", weight="medium", size="3"),
            rx.text("Once you generate, your audio result will appear here. Sit back and relax.", size="2",
                    color_scheme="gray", text_align="center"),
            align="center", spacing="2",
        ),
        width="100%", padding="2em", border="1px dashed var(--gray-6)", border_radius="12px", id="tts-preview-empty",
    )


# The voice select

def _voice_item(voice) -> rx.Component:
    return rx.select.item(
        rx.hstack(voice_avatar(voice.background, "18px"), rx.text(voice.label, size="2"), align="center",
                  spacing="2"),
        value=voice.id, class_name="tts-voice-option", custom_attrs={"data-voice-name": voice.name},
    )


def voice_select(*, value, on_change, custom, system, unavailable, unavailable_value: str) -> rx.Component:
    """"Voice style": Team voice / Built-in voice groups; a voice that is gone shows as "Unavailable voice"."""
    return rx.vstack(
        rx.text("Voice style", size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(id="tts-voice", placeholder="Select a voice", width="100%"),
            rx.select.content(
                rx.cond(unavailable, rx.select.group(
                    rx.select.label("Selected Voice"),
                    rx.select.item(rx.hstack(rx.icon("circle_alert", size=16, color="var(--gray-9)"),
                                             rx.text("Unavailable voice", size="2"), align="center", spacing="2"),
                                   value=unavailable_value, disabled=True),
                )),
                rx.cond(custom.length() > 0, rx.select.group(rx.select.label("Team voice"),
                                                             rx.foreach(custom, _voice_item))),
                rx.select.group(rx.select.label("Built-in voice"), rx.foreach(system, _voice_item)),
                position="popper",
            ),
            value=value, on_change=on_change,
        ),
        spacing="2", width="100%",
    )


# History

def status_badge(status) -> rx.Component:
    return rx.cond(
        status != "done",
        rx.badge(rx.match(status, *STATUS_LABELS, status), color_scheme=rx.match(status, *STATUS_COLORS, "gray"),
                 variant="soft", size="1", class_name="history-status"),
    )


def history_row(row, *, href, on_delete, current) -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.vstack(
                rx.text(row.text, size="2", weight="medium", trim="both", class_name="history-text",
                        style={"display": "-webkit-box", "-webkit-line-clamp": "2", "-webkit-box-orient": "vertical",
                               "overflow": "hidden"}),
                rx.hstack(
                    voice_avatar(row.background, "16px"),
                    rx.text(row.voice_name, size="1", color_scheme="gray"),
                    rx.text("·", size="1", color_scheme="gray"),
                    rx.text(local_time(row.created, "ago"), size="1", color_scheme="gray", class_name="history-ago"),
                    status_badge(row.status),
                    align="center", spacing="1", wrap="wrap",
                ),
                spacing="1", align="start", width="100%",
            ),
            href=href, underline="none", color="inherit", flex="1", min_width="0",
        ),
        rx.icon_button(rx.icon("trash_2", size=14), variant="ghost", color_scheme="gray", size="1",
                       class_name="history-delete", title="Delete from history", on_click=on_delete,
                       custom_attrs={"aria-label": "Delete from history"}),
        class_name="history-row", custom_attrs={"data-generation-id": row.id},
        width="100%", align="start", padding="0.6em", border_radius="8px",
        background=rx.cond(current, "var(--teal-3)", "transparent"),
        _hover={"background": "var(--gray-3)"},
    )


def history_empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("history", size=28, color="var(--gray-8)"),
            rx.text("No generations yet", weight="medium", size="2"),
            rx.text("Generate some audio and it will appear here.", size="1", color_scheme="gray",
                    text_align="center"),
            align="center", spacing="1",
        ),
        width="100%", padding="2em 1em", id="history-empty",
    )
