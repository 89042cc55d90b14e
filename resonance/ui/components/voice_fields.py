"""Fields shared by the create and edit voice dialogs: labelled field, category select, language combobox.

The combobox's list drops below the field, over the dialog's edge: dialogs holding it use `DIALOG_STYLE`, so the
content does not clip it (a dialog taller than the window still scrolls: Radix scrolls the layer around it).

The combobox takes the state class that has the LanguagePicker vars and handlers (it imports no state itself)."""

from __future__ import annotations

import reflex as rx

from resonance.voices.models import VoiceCategory

CATEGORIES = [(c.value, c.label) for c in VoiceCategory]
DIALOG_STYLE = {"overflow": "visible"}


def labelled(label: str, control: rx.Component, *, error=None, html_for: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=html_for or None),
        control,
        *([rx.cond(error != "", rx.text(error, size="1", color="var(--red-11)", class_name="field-error"))]
          if error is not None else []),
        spacing="1", width="100%",
    )


def category_select(*, name: str, trigger_id: str, default_value=VoiceCategory.GENERAL.value) -> rx.Component:
    """The 12 categories in the order people know them from the product Resonance replaces (uncontrolled, for a form)."""
    return rx.select.root(
        rx.select.trigger(id=trigger_id, width="100%", placeholder="Category"),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in CATEGORIES], position="popper"),
        name=name, default_value=default_value, size="2",
    )


def _option(picker, option) -> rx.Component:
    chosen = option.value == picker.lang_value
    return rx.hstack(
        rx.text(option.label, size="2", flex="1", trim="both"),
        rx.text(option.value, size="1", color_scheme="gray", font_family="var(--code-font-family)"),
        rx.icon("check", size=14, visibility=rx.cond(chosen, "visible", "hidden")),
        # mouse-down, not click: it comes before the input's blur closes the list
        on_mouse_down=picker.lang_choose(option.value).prevent_default,
        class_name="voice-language-option", custom_attrs={"data-value": option.value},
        align="center", spacing="2", padding="0.4em 0.6em", border_radius="6px", cursor="pointer",
        background=rx.cond(chosen, "var(--teal-3)", "transparent"), _hover={"background": "var(--gray-3)"},
    )


def language_combobox(picker, *, input_id: str) -> rx.Component:
    """Type to search ("Search language..."); pick with a click or Enter. Shows the chosen "Name (Location)"."""
    return rx.box(
        rx.input(
            rx.input.slot(rx.icon("globe", size=14)),
            value=rx.cond(picker.lang_open, picker.lang_query, picker.lang_label),
            on_change=picker.lang_search, on_focus=picker.lang_focus, on_blur=picker.lang_blur,
            on_key_down=picker.lang_key, placeholder="Search language...", id=input_id, name=f"{input_id}-search", auto_complete="off",
            role="combobox", aria_expanded=picker.lang_open, width="100%", size="2",
            # Not part of the dialog's form: Enter picks a language instead of submitting the form.
            custom_attrs={"form": f"{input_id}-none"},
        ),
        rx.cond(
            picker.lang_open,
            rx.box(
                rx.cond(
                    picker.lang_matches.length() > 0,
                    rx.foreach(picker.lang_matches, lambda option: _option(picker, option)),
                    rx.text("No language found.", size="2", color_scheme="gray", padding="0.6em",
                            class_name="voice-language-empty"),
                ),
                position="absolute", top="calc(100% + 4px)", right="0", width="max(100%, 340px)", z_index="50",
                max_height="240px", overflow_y="auto", padding="4px", border_radius="8px",
                background="var(--color-panel-solid)", border="1px solid var(--gray-5)",
                box_shadow="0 10px 30px -10px rgba(0,0,0,0.25)", role="listbox", id=f"{input_id}-options",
            ),
        ),
        position="relative", width="100%",
    )
