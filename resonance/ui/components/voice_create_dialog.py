"""The "Create custom voice" dialog: Upload | Record tabs, the voice's fields, and the submit.

`s` is the dialog's state class (VoiceCreateState), passed in so that this module imports no state. The audio itself
lives in the browser (assets/voice_tools.js); ids and classes here are the ones the end-to-end tests use."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.voice_card import preview_button
from resonance.ui.components.voice_fields import DIALOG_STYLE, category_select, labelled, language_combobox

FILE_INPUT = "voice-file"
VISUALLY_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "opacity": "0", "overflow": "hidden",
                   "clip": "rect(0 0 0 0)", "pointer_events": "none"}


def _circle_icon(icon: str, color: str = "teal") -> rx.Component:
    return rx.center(rx.icon(icon, size=22, color=f"var(--{color}-11)"), width="48px", height="48px",
                     border_radius="9999px", background=f"var(--{color}-3)")


def _panel(*children, **props) -> rx.Component:
    return rx.vstack(
        *children, align="center", justify="center", spacing="2", width="100%", min_height="196px",
        padding="1.25em", border="1.5px dashed var(--gray-6)", border_radius="12px", background="var(--gray-2)",
        text_align="center", **props,
    )


def _sample_row(name, detail, *, key: str, actions: list[rx.Component]) -> rx.Component:
    return rx.hstack(
        rx.center(rx.icon("file_audio", size=20, color="var(--teal-11)"), width="40px", height="40px",
                  border_radius="8px", background="var(--teal-3)", flex_shrink="0"),
        rx.vstack(rx.text(name, size="2", weight="medium", trim="both", class_name="sample-name"),
                  rx.text(detail, size="1", color_scheme="gray", class_name="sample-size"),
                  spacing="0", flex="1", min_width="0", align="start"),
        preview_button(key, f"file:{key.removeprefix('sample-')}", label="Play sample", class_name="sample-play",
                       size="2", variant="soft"),
        *actions,
        align="center", spacing="3", width="100%", padding="0.75em", border="1px solid var(--gray-5)",
        border_radius="12px", class_name="voice-sample",
    )


def _upload_tab(s) -> rx.Component:
    chooser = rx.el.input(type="file", id=FILE_INPUT, name=FILE_INPUT, accept="audio/*", on_change=s.choose_file,
                          style=VISUALLY_HIDDEN, tab_index=-1, custom_attrs={"form": f"{FILE_INPUT}-none"})
    choose = rx.call_script(f"document.getElementById({FILE_INPUT!r}).click()")
    return rx.box(
        chooser,
        rx.cond(
            s.upload_name != "",
            _sample_row(s.upload_name, s.upload_size, key="sample-upload", actions=[
                rx.icon_button(rx.icon("x", size=16), type="button", variant="ghost", color_scheme="gray",
                               on_click=s.remove_file, title="Remove", aria_label="Remove", id="voice-file-remove"),
            ]),
            _panel(
                _circle_icon("cloud_upload"),
                rx.text("Upload your audio files", size="3", weight="medium"),
                rx.text("Supports all audio formats, max size 20MB", size="2", color_scheme="gray"),
                rx.button(rx.icon("upload", size=14), "Upload file", type="button", variant="outline",
                          on_click=choose, margin_top="0.4em", id="voice-file-button"),
                custom_attrs={"data-drop-input": FILE_INPUT},
                style={"&[data-dragging=true]": {"border_color": "var(--teal-8)", "background": "var(--teal-2)"}},
            ),
        ),
        position="relative", width="100%",
    )


def _recording(s) -> rx.Component:
    return _panel(
        rx.el.canvas(id="record-level", style={"width": "100%", "height": "72px", "color": "var(--teal-9)"}),
        rx.el.span(id="record-timer", style={"font_family": "var(--code-font-family)", "font_size": "20px",
                                             "font_weight": "500", "min_height": "28px"}),
        rx.text(s.record_hint, size="1", color_scheme="gray", max_width="360px"),
        rx.button(rx.icon("square", size=14), "Stop", type="button", color_scheme="red", on_click=s.stop_recording,
                  id="record-stop"),
        class_name="recording",
    )


def _record_tab(s) -> rx.Component:
    idle = _panel(
        _circle_icon("mic"),
        rx.text("Record your voice", size="3", weight="medium"),
        rx.text("Click record to start capturing audio", size="2", color_scheme="gray"),
        rx.text(s.record_hint, size="2", id="record-hint", max_width="360px"),
        rx.button(rx.icon("mic", size=14), "Record", type="button", on_click=s.start_recording, id="record-start",
                  loading=s.record_state == "starting", margin_top="0.4em"),
    )
    done = rx.vstack(
        _sample_row("recording.wav", s.record_size + " · " + s.record_length, key="sample-record", actions=[
            rx.button(rx.icon("rotate_ccw", size=14), "Re-record", type="button", variant="soft", color_scheme="gray",
                      size="2", on_click=[s.discard_recording, s.start_recording], id="record-again"),
            rx.icon_button(rx.icon("x", size=16), type="button", variant="ghost", color_scheme="gray",
                           on_click=s.discard_recording, title="Remove", aria_label="Remove", id="record-remove"),
        ]),
        width="100%",
    )
    failed = _panel(
        _circle_icon("mic_off", "red"),
        rx.text(s.record_error, size="2", color="var(--red-11)", id="record-error", max_width="360px"),
        rx.button(rx.icon("rotate_ccw", size=14), "Try again", type="button", variant="outline",
                  on_click=s.start_recording, id="record-retry"),
    )
    saving = _panel(rx.spinner(size="3"), rx.text("Preparing recording...", size="2", color_scheme="gray"))
    return rx.match(s.record_state, ("recording", _recording(s)), ("saving", saving), ("done", done),
                    ("error", failed), idle)


def _tabs(s) -> rx.Component:
    def trigger(label: str, icon: str, value: str) -> rx.Component:
        return rx.tabs.trigger(rx.hstack(rx.icon(icon, size=14), label, align="center", spacing="2"), value=value,
                               id=f"create-tab-{value}", flex="1", type="button")

    return rx.tabs.root(
        rx.tabs.list(trigger("Upload", "upload", "upload"), trigger("Record", "mic", "record"), width="100%"),
        rx.tabs.content(_upload_tab(s), value="upload", padding_top="1em"),
        rx.tabs.content(_record_tab(s), value="record", padding_top="1em"),
        value=s.tab, on_change=s.set_tab, width="100%",
    )


def _fields(s) -> rx.Component:
    return rx.vstack(
        labelled("Voice Label", rx.input(name="voice-name", id="voice-name", placeholder="e.g. Warm narrator",
                                         max_length=100, size="2", width="100%", auto_complete="off"),
                 error=s.name_error, html_for="voice-name"),
        rx.grid(
            labelled("Category", category_select(name="category", trigger_id="voice-category")),
            labelled("Language", language_combobox(s, input_id="voice-language"), html_for="voice-language"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
        ),
        labelled("Description", rx.text_area(name="voice-description", id="voice-description", rows="3",
                                             placeholder="Describe this voice...", max_length=500, width="100%",
                                             resize="vertical")),
        spacing="3", width="100%",
    )


def _submit(s) -> rx.Component:
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                  disabled=s.submitting)),
        rx.button(
            rx.cond(s.submitting, rx.hstack(rx.spinner(size="1"), "Creating...", align="center", spacing="2"),
                    "Create voice"),
            type="submit", id="create-voice-submit", disabled=s.submitting,
        ),
        justify="end", spacing="3", width="100%",
    )


def voice_create_dialog(s) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Create custom voice", margin_bottom="0.25em"),
            rx.dialog.description("Upload or record an audio sample to add a new voice to your library.",
                                  size="2", color_scheme="gray", margin_bottom="1em"),
            rx.form(
                rx.vstack(
                    _tabs(s),
                    rx.cond(s.file_error != "", rx.text(s.file_error, size="1", color="var(--red-11)",
                                                        id="voice-file-error", class_name="field-error")),
                    _fields(s),
                    rx.cond(s.error != "", rx.callout(s.error, icon="triangle_alert", color_scheme="red", size="1",
                                                      width="100%", id="create-voice-error")),
                    _submit(s),
                    spacing="4", width="100%",
                ),
                on_submit=s.submit, reset_on_submit=False, id="create-voice-form",
            ),
            max_width="560px", id="create-voice-dialog", style=DIALOG_STYLE,
        ),
        # Leaving the page with it open closes it, so the next visit does not show it until its on_load runs.
        open=s.open, on_open_change=s.set_open, on_unmount=s.set_open(False),
    )
