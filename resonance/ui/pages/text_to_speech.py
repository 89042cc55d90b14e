"""/text-to-speech and /text-to-speech/[generation_id]: the editor (text, voice, controls, Generate), the
Settings | History column, and on the detail route the generation's progress, player and downloads."""

from __future__ import annotations

import reflex as rx

from resonance.core import routes
from resonance.ui.components.confirm_dialog import confirm_dialog
from resonance.ui.components.sliders import SAMPLING, SPEED, param_slider
from resonance.ui.components.tts_editor import (
    generate_footer,
    history_empty,
    history_row,
    preview_placeholder,
    sample_chips,
    text_input,
    voice_avatar,
    voice_select,
)
from resonance.ui.components.waveform import chunk_player, waveform
from resonance.ui.layout import dashboard
from resonance.ui.states.generation import GenerationState
from resonance.ui.states.tts import UNAVAILABLE, TTSState
from resonance.ui.states.tts_history import TTSHistoryState

COLUMN_WIDTH = "420px"
STACKED = "@media (max-width: 1023px)"


# Left column

def editor(preview: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.vstack(
                text_input(TTSState.text, TTSState.set_text, TTSState.submitting),
                rx.cond(
                    TTSState.text_empty,
                    sample_chips(lambda index: TTSState.use_sample(index)),
                    generate_footer(estimate=TTSState.estimate, counter=TTSState.counter,
                                    submitting=TTSState.submitting, can_generate=TTSState.can_generate,
                                    on_generate=TTSState.generate),
                ),
                spacing="3", width="100%",
            ),
            width="100%", size="2",
        ),
        preview,
        # `contain` keeps the waveform's canvas from widening the column (and the page) it was drawn in.
        spacing="4", width="100%", min_width="0", flex="1", style={"contain": "inline-size"},
    )


# Right column

def settings_tab() -> rx.Component:
    values = TTSState.values_text
    sliders = [
        param_slider(spec, value=getattr(TTSState, spec.name), value_text=values[spec.name],
                     on_change=TTSState.set_param(spec.name).debounce(120), disabled=~TTSState.sliders_enabled,
                     key=TTSState.form_key)
        for spec in SAMPLING
    ]
    return rx.vstack(
        voice_select(value=TTSState.voice_id, on_change=TTSState.set_voice, custom=TTSState.custom_voices,
                     system=TTSState.system_voices, unavailable=TTSState.voice_unavailable,
                     unavailable_value=UNAVAILABLE),
        rx.cond(TTSState.voice_unavailable,
                rx.text("The voice of this generation is no longer available. Please select a voice.", size="1",
                        color_scheme="red", id="tts-voice-unavailable")),
        rx.divider(),
        *sliders,
        param_slider(SPEED, value=TTSState.speed, value_text=values["speed"],
                     on_change=TTSState.set_param("speed").debounce(120), disabled=~TTSState.supports_speed,
                     key=TTSState.form_key),
        rx.cond(TTSState.engine_note != "",
                rx.callout(TTSState.engine_note, icon="info", size="1", color_scheme="gray", id="tts-engine-note",
                           width="100%")),
        spacing="4", width="100%", padding_top="1em",
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        "Delete generation", "Are you sure you want to delete \"", TTSHistoryState.confirm_name,
        "\"? This action cannot be undone.",
        open=TTSHistoryState.confirm_action == "delete", on_cancel=TTSHistoryState.cancel_confirm,
        confirm_label="Delete", on_confirm=TTSHistoryState.delete(TTSHistoryState.confirm_id),
        confirm_id="history-delete-confirm",
    )


def history_tab() -> rx.Component:
    current = GenerationState.gen_id
    return rx.vstack(
        rx.cond(
            TTSHistoryState.rows.length() > 0,
            rx.vstack(
                rx.foreach(TTSHistoryState.rows, lambda row: history_row(
                    row, href=routes.TEXT_TO_SPEECH + "/" + row.id, current=row.id == current,
                    on_delete=TTSHistoryState.ask("delete", row.id))),
                spacing="1", width="100%",
            ),
            history_empty(),
        ),
        rx.cond(TTSHistoryState.has_more,
                rx.button("Load more", id="history-load-more", variant="soft", color_scheme="gray", width="100%",
                          loading=TTSHistoryState.loading, on_click=TTSHistoryState.load_more)),
        _delete_dialog(),
        spacing="2", width="100%", padding_top="0.75em",
    )


def side_column() -> rx.Component:
    return rx.box(
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Settings", value="settings", id="tts-tab-settings"),
                rx.tabs.trigger("History", value="history", id="tts-tab-history", on_click=TTSHistoryState.load),
            ),
            rx.tabs.content(settings_tab(), value="settings"),
            rx.tabs.content(history_tab(), value="history"),
            default_value="settings", width="100%",
        ),
        width=COLUMN_WIDTH, flex_shrink="0",
        style={STACKED: {"width": "100%"}},
    )


def editor_layout(preview: rx.Component) -> rx.Component:
    return rx.flex(
        editor(preview),
        side_column(),
        spacing="5", width="100%", align="start",
        direction=rx.breakpoints(initial="column", lg="row"),
    )


# The generation (detail route)

def _download_button(fmt: str) -> rx.Component:
    url = GenerationState.audio_url + ("?download=1&format=mp3" if fmt == "mp3" else "?download=1")
    return rx.button(
        rx.el.a(rx.icon("download", size=14),
                rx.cond(GenerationState.downloading == fmt, "Downloading...", fmt.upper()), href=url,
                # A download, not client-side routing (nor a page unload); the server names the file.
                custom_attrs={"reloadDocument": True, "download": ""}),
        as_child=True, id=f"download-{fmt}", variant="outline", color_scheme="gray", size="2",
        on_click=GenerationState.show_downloading(fmt), title=f"Download as {fmt.upper()}",
    )


def player_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Voice preview", weight="medium", size="3"),
                rx.spacer(),
                rx.text("Download", size="1", color_scheme="gray"),
                _download_button("wav"),
                _download_button("mp3"),
                width="100%", align="center", wrap="wrap",
            ),
            waveform(GenerationState.audio_url, GenerationState.gen_id, GenerationState.duration_s),
            rx.hstack(
                voice_avatar(GenerationState.voice_background, "28px"),
                rx.vstack(
                    rx.text(GenerationState.voice_name, size="2", weight="medium", id="player-voice-name"),
                    rx.text(GenerationState.text_preview, size="1", color_scheme="gray", id="player-text",
                            style={"overflow": "hidden", "text-overflow": "ellipsis", "white-space": "nowrap",
                                   "max-width": "100%"}),
                    spacing="0", min_width="0", flex="1",
                ),
                width="100%", align="center", padding_top="0.5em", border_top="1px solid var(--gray-4)",
            ),
            spacing="3", width="100%",
        ),
        width="100%", size="2", id="voice-preview",
    )


def progress_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.spinner(size="2"),
                rx.text(GenerationState.progress_label, size="2", weight="medium", id="generation-progress-label"),
                rx.spacer(),
                rx.text(GenerationState.progress_value.to_string() + "%", size="1", color_scheme="gray"),
                width="100%", align="center",
            ),
            rx.progress(value=GenerationState.progress_value, max=100, width="100%"),
            rx.button("Cancel", id="generation-cancel", size="1", color_scheme="gray", variant="soft",
                      loading=GenerationState.cancelling, on_click=GenerationState.cancel),
            spacing="3", width="100%", align="end",
        ),
        width="100%", size="2", id="generation-progress",
    )


def failed_panel() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle_alert")),
        rx.vstack(
            rx.callout.text("This generation failed: ", GenerationState.error, id="generation-error"),
            rx.button("Try again", id="generation-retry", size="1", color_scheme="red", variant="soft",
                      loading=GenerationState.retrying, on_click=GenerationState.retry),
            spacing="2", align="start",
        ),
        color_scheme="red", width="100%",
    )


def cancelled_panel() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle_slash")),
        rx.vstack(
            rx.callout.text("This generation was cancelled.", id="generation-cancelled"),
            rx.button("Try again", id="generation-retry", size="1", color_scheme="gray", variant="soft",
                      loading=GenerationState.retrying, on_click=GenerationState.retry),
            spacing="2", align="start",
        ),
        color_scheme="gray", width="100%",
    )


def not_found_panel() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("file_question", size=32, color="var(--gray-8)"),
            rx.text("Generation not found", weight="medium", size="3"),
            rx.text("It may have been deleted, or it belongs to another organization.", size="2",
                    color_scheme="gray", text_align="center"),
            rx.link("Start a new generation", href=routes.TEXT_TO_SPEECH, size="2"),
            align="center", spacing="2",
        ),
        width="100%", padding="2em", border="1px dashed var(--gray-6)", border_radius="12px",
        id="generation-not-found",
    )


def generation_panel() -> rx.Component:
    return rx.vstack(
        rx.cond(
            ~GenerationState.found,
            not_found_panel(),
            rx.match(
                GenerationState.status,
                ("done", player_panel()),
                ("failed", failed_panel()),
                ("cancelled", cancelled_panel()),
                ("", rx.fragment()),
                progress_panel(),
            ),
        ),
        # Mounted for the whole visit, so the parts already playing carry on into the waveform.
        chunk_player(GenerationState.gen_id, GenerationState.base_url, GenerationState.chunks_done,
                     GenerationState.chunks_total, GenerationState.status),
        spacing="3", width="100%",
    )


def text_to_speech_page() -> rx.Component:
    return dashboard(editor_layout(preview_placeholder()), title="Text to Speech")


def generation_page() -> rx.Component:
    return dashboard(editor_layout(generation_panel()), title="Text to Speech")
