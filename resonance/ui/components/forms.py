"""Small form pieces shared by the auth and settings pages."""

from __future__ import annotations

import reflex as rx


def field(label: str, name: str, *, type: str = "text", placeholder: str = "", default_value=None,
          auto_complete: str = "", on_change=None, required: bool = True, input_id: str = "") -> rx.Component:
    props = {"name": name, "type": type, "placeholder": placeholder, "required": required, "size": "3",
             "width": "100%", "id": input_id or name}
    if auto_complete:
        props["auto_complete"] = auto_complete
    if default_value is not None:
        props["default_value"] = default_value
        props["key"] = default_value  # remount when the server fills it in after the page loaded
    if on_change is not None:
        props["on_change"] = on_change
    return rx.vstack(rx.text(label, size="2", weight="medium"), rx.input(**props), spacing="1", width="100%")


def error_callout(message) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", size="1", width="100%", id="form-error"),
    )


def info_callout(message) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="teal", size="1", width="100%", id="form-info"),
    )


STRENGTH_COLORS = ["red", "red", "orange", "teal", "green"]


def strength_meter(score, label, hint="") -> rx.Component:
    """Five bars filled up to the zxcvbn score, with its label and hint."""
    bars = [
        rx.box(height="4px", flex="1", border_radius="2px",
               background=rx.cond(score >= i, rx.match(score, *[(n, f"var(--{c}-9)") for n, c in enumerate(STRENGTH_COLORS)], "var(--gray-5)"), "var(--gray-5)"))
        for i in range(5)
    ]
    return rx.vstack(
        rx.hstack(*bars, width="100%", spacing="1"),
        rx.hstack(rx.text(label, size="1", weight="medium", id="strength-label"), rx.text(hint, size="1", color_scheme="gray")),
        spacing="1", width="100%",
    )
