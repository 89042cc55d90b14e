"""/voices: the voice library (toolbar with search and filters, Team Voices, Built-in Voices), the create dialog, and
the edit and delete dialogs of custom voices."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.confirm_dialog import confirm_dialog
from resonance.ui.components.voice_card import kind_details, voice_card
from resonance.ui.components.voice_create_dialog import voice_create_dialog
from resonance.ui.components.voice_fields import (
    CATEGORIES,
    DIALOG_STYLE,
    category_select,
    labelled,
    language_combobox,
)
from resonance.ui.layout import dashboard
from resonance.ui.states.voice_create import VoiceCreateState
from resonance.ui.states.voices import ALL, VoicesState

S = VoicesState


# Toolbar

def _search() -> rx.Component:
    clear = rx.icon_button(rx.icon("x", size=14), on_click=S.clear_search, variant="ghost", color_scheme="gray",
                           size="1", id="voice-search-clear", title="Clear search", aria_label="Clear search",
                           type="button")
    return rx.input(
        rx.input.slot(rx.icon("search", size=15)),
        rx.input.slot(rx.cond(S.query != "", clear), side="right"),
        value=S.query, on_change=S.search, placeholder="Search voices...", id="voice-search", size="2",
        auto_complete="off", flex="1", min_width="220px", max_width="420px",
    )


def _filter(trigger_id: str, value, on_change, all_label: str, items) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=trigger_id, min_width="150px"),
        rx.select.content(rx.select.item(all_label, value=ALL), rx.select.separator(), *items, position="popper"),
        value=value, on_change=on_change, size="2",
    )


def toolbar() -> rx.Component:
    categories = [rx.select.item(label, value=value) for value, label in CATEGORIES]
    languages = [rx.foreach(S.language_choices, lambda c: rx.select.item(c.label, value=c.value))]
    return rx.vstack(
        rx.vstack(
            rx.heading("All Libraries", size="5"),
            rx.text("Discover your voices, or make your own", size="2", color_scheme="gray"),
            spacing="1",
        ),
        rx.hstack(
            _search(),
            _filter("voice-category-filter", S.category, S.set_category, "All categories", categories),
            _filter("voice-language-filter", S.language, S.set_language, "All languages", languages),
            rx.spacer(),
            rx.button(rx.icon("plus", size=15), rx.text("Custom voice", class_name="desktop-only"),
                      on_click=VoiceCreateState.open_dialog, id="open-create-voice", size="2", title="Custom voice",
                      aria_label="Custom voice"),
            width="100%", align="center", spacing="3", wrap="wrap",
        ),
        width="100%", spacing="4",
    )


# Sections

def _empty(title: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("audio_lines", size=28, color="var(--gray-8)"),
            rx.text("No voices found", weight="medium", size="2"),
            rx.text(f"{title} will appear here", size="2", color_scheme="gray"),
            align="center", spacing="1",
        ),
        width="100%", padding="2.5em 1em", border="1px dashed var(--gray-6)", border_radius="12px",
        class_name="voices-empty",
    )


def section(title: str, section_id: str, voices) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="3", weight="medium"),
        rx.cond(
            voices.length() > 0,
            rx.grid(
                rx.foreach(voices, lambda v: voice_card(v, on_edit=S.open_edit, on_delete=S.ask_delete)),
                columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
            ),
            _empty(title),
        ),
        id=section_id, width="100%", spacing="3",
    )


# Dialogs

def delete_dialog() -> rx.Component:
    return confirm_dialog(
        "Delete voice", "Are you sure you want to delete \"", S.delete_name, "\"? This action cannot be undone.",
        open=S.delete_id != "", on_cancel=S.cancel_delete, confirm_label="Delete", on_confirm=S.confirm_delete,
        confirm_id="voice-delete-confirm", busy=S.deleting, busy_label="Deleting...",
    )


def edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit voice"),
            rx.dialog.description("Change how this voice is named and described in your library.", size="2",
                                  color_scheme="gray", margin_bottom="1em"),
            rx.form(
                rx.vstack(
                    kind_details(S.edit_kind),
                    labelled("Voice Label", rx.input(name="edit-name", id="edit-voice-name",
                                                     default_value=S.edit_name, max_length=100, width="100%")),
                    rx.grid(
                        labelled("Category", category_select(name="edit-category", trigger_id="edit-voice-category",
                                                             default_value=S.edit_category)),
                        labelled("Language", language_combobox(S, input_id="edit-voice-language")),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                    ),
                    labelled("Description", rx.text_area(name="edit-description", id="edit-voice-description",
                                                         default_value=S.edit_description, rows="3",
                                                         placeholder="Describe this voice...", max_length=500,
                                                         width="100%")),
                    rx.cond(S.edit_error != "", rx.callout(S.edit_error, icon="triangle_alert", color_scheme="red",
                                                           size="1", width="100%", id="edit-voice-error")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Save changes", type="submit", id="edit-voice-submit"),
                        justify="end", spacing="3", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=S.save_edit, reset_on_submit=False,
            ),
            max_width="520px", id="edit-voice-dialog", style=DIALOG_STYLE,
        ),
        open=S.edit_id != "", on_open_change=S.close_edit,
    )


def voices_page() -> rx.Component:
    return dashboard(
        rx.script(src="/voice_tools.js"),
        toolbar(),
        section("Team Voices", "team-voices", S.team),
        section("Built-in Voices", "builtin-voices", S.builtin),
        # While a voice is being matched: fresh progress every second (stops by itself when none is).
        rx.cond(S.waiting, rx.moment(interval=1000, on_change=S.tick, display="none")),
        voice_create_dialog(VoiceCreateState),
        edit_dialog(),
        delete_dialog(),
        title="Voices",
    )
