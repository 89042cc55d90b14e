"""A voice in the library: glass avatar, name · category · description, language, what the voice is (matched or
cloned, its similarity with the scale behind an (i)) or its matching progress, preview, menu.

Takes the voice as a Var (a dict made by the voices state) and the menu's actions as callables; imports no state.
The preview button is driven by assets/voice_tools.js (click delegation; it sets `data-state` on the button)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from resonance.core import routes

CATEGORY_COLOR = "var(--teal-11)"  # the theme's text-strength teal: readable in light and dark

# data-state (set by voice_tools.js) picks the icon: idle → play, loading → spinner, playing → pause.
PREVIEW_STYLE = {
    "& .when-loading, & .when-playing": {"display": "none"},
    "&[data-state=loading] .when-idle, &[data-state=playing] .when-idle": {"display": "none"},
    "&[data-state=loading] .when-loading": {"display": "inline-flex"},
    "&[data-state=playing] .when-playing": {"display": "inline-flex"},
}


def voice_avatar(background, *, size: str = "48px") -> rx.Component:
    return rx.box(
        width=size, height=size, min_width=size, border_radius="9999px", background=background,
        box_shadow="inset 0 0 0 1px rgba(255,255,255,0.25)", class_name="voice-avatar",
    )


def preview_button(key, src, *, label: str = "Play preview", class_name: str = "voice-preview",
                   size: str = "2", variant: str = "soft") -> rx.Component:
    """A Play/Pause button for `src`; `key` names it for the one-at-a-time player."""
    return rx.icon_button(
        rx.icon("play", size=16, class_name="when-idle"),
        rx.spinner(size="1", class_name="when-loading"),
        rx.icon("pause", size=16, class_name="when-playing"),
        type="button", variant=variant, size=size, radius="full", class_name=class_name, title=label,
        aria_label=label, custom_attrs={"data-preview-key": key, "data-preview-src": src},
        style=PREVIEW_STYLE,
    )


def _scale_info(voice) -> rx.Component:
    """An (i) that opens the similarity's scale: on tap as well as click, so it works on phones."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(rx.icon("info", size=13), variant="ghost", color_scheme="gray", size="1", radius="full",
                           type="button", class_name="voice-similarity-info", title=voice.scale,
                           aria_label="What this similarity means"),
        ),
        rx.popover.content(rx.text(voice.scale, size="1"), max_width="min(320px, 90vw)",
                           class_name="voice-similarity-scale"),
    )


def _match_state(voice) -> rx.Component:
    return rx.match(
        voice.state,
        ("ready", rx.hstack(
            rx.badge(voice.badge, color_scheme="teal", variant="soft", size="1", class_name="voice-kind-badge"),
            rx.cond(voice.similarity != "", rx.hstack(
                rx.text(voice.similarity, size="1", color="var(--teal-11)", weight="medium",
                        class_name="voice-similarity", white_space="nowrap"),
                _scale_info(voice),
                align="center", spacing="1",
            )),
            align="center", spacing="2", class_name="voice-match",
        )),
        ("failed", rx.hstack(
            rx.icon("circle_alert", size=13, color="var(--red-10)"),
            rx.text(voice.sentence, size="1", color="var(--red-11)", trim="both"),
            align="center", spacing="1", class_name="voice-match", title=voice.sentence,
        )),
        ("builtin", rx.fragment()),
        rx.hstack(
            rx.text(voice.sentence, " ", voice.match_percent, "%", size="1", color_scheme="gray",
                    white_space="nowrap"),
            rx.progress(value=voice.match_percent, max=100, size="1", width="110px", color_scheme="teal"),
            align="center", spacing="2", wrap="wrap", class_name="voice-match",
        ),
    )


def kind_details(kind) -> rx.Component:
    """What a voice is, in full (the edit dialog): badge, sentence, and the similarity with its scale."""
    return rx.vstack(
        rx.badge(kind.badge, color_scheme="teal", variant="soft", size="1"),
        rx.text(kind.sentence, size="2"),
        rx.cond(kind.similarity != "", rx.text(
            rx.text.strong(kind.similarity), " — ", kind.scale, size="1", color_scheme="gray",
        )),
        spacing="1", width="100%", align="start", padding="0.75em", border_radius="8px",
        background="var(--gray-a2)", class_name="voice-kind-details",
    )


def _menu(voice, on_edit: Callable, on_delete: Callable) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray", size="2",
                           class_name="voice-menu", title="More actions", aria_label="More actions"),
        ),
        rx.menu.content(
            rx.menu.item(rx.icon("audio_lines", size=14), "Use this voice", class_name="voice-use",
                         on_select=rx.redirect(f"{routes.TEXT_TO_SPEECH}?voiceId={voice['id']}")),
            rx.cond(
                voice.can_manage,
                rx.fragment(
                    rx.menu.item(rx.icon("pencil", size=14), "Edit voice", class_name="voice-edit",
                                 on_select=on_edit(voice.id)),
                    rx.menu.separator(),
                    rx.menu.item(rx.icon("trash_2", size=14), "Delete voice", class_name="voice-delete",
                                 color="red", on_select=on_delete(voice.id)),
                ),
            ),
            align="end",
        ),
    )


def voice_card(voice, *, on_edit: Callable, on_delete: Callable) -> rx.Component:
    return rx.hstack(
        voice_avatar(voice.avatar),
        rx.vstack(
            rx.hstack(
                rx.text(voice.name, weight="medium", size="2", trim="both", class_name="voice-name",
                        white_space="nowrap"),
                rx.text("·", size="2", color_scheme="gray"),
                rx.text(voice.category_label, size="2", color=CATEGORY_COLOR, weight="medium",
                        white_space="nowrap", class_name="voice-category"),
                align="center", spacing="1", min_width="0",
            ),
            rx.text(voice.description, size="1", color_scheme="gray", width="100%",
                    overflow="hidden", text_overflow="ellipsis", white_space="nowrap", title=voice.description),
            rx.hstack(
                rx.text(voice.flag, size="1", class_name="voice-flag"),
                rx.text(voice.region, size="1", color_scheme="gray", class_name="voice-region"),
                _match_state(voice),
                align="center", spacing="2", wrap="wrap", row_gap="4px",
            ),
            rx.cond(voice.state == "ready", rx.text(voice.sentence, size="1", color_scheme="gray",
                                                       class_name="voice-kind")),
            spacing="1", flex="1", min_width="0", align="start",
        ),
        rx.cond(
            voice.preview_ready,
            preview_button(voice.id, voice.preview_url),
            rx.tooltip(rx.spinner(size="2", class_name="voice-preview-pending", aria_label="Preparing preview…"),
                       content="Preparing preview…"),
        ),
        _menu(voice, on_edit, on_delete),
        align="center", spacing="3", padding="0.85em 1em", width="100%", min_width="0",
        border="1px solid var(--gray-4)", border_radius="12px", background="var(--color-panel-solid)",
        _hover={"border_color": "var(--gray-6)"},
        class_name="voice-card", key=voice.id,
        custom_attrs={"data-voice-name": voice.name, "data-voice-id": voice.id},
    )
