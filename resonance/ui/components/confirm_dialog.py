"""The question before a destructive action: a title, a sentence naming the thing (`question`: text and inline
parts), Cancel and a red confirm button.

Driven by state (`open`), one per page rather than one per row; the confirm button is a plain button, so the dialog
stays until the handler answers (and shows `busy_label` meanwhile where the page has a busy var)."""

from __future__ import annotations

import reflex as rx


def confirm_dialog(title: str, *question, open, on_cancel, confirm_label: str, on_confirm, confirm_id: str,
                   busy=None, busy_label: str = "") -> rx.Component:
    label = (confirm_label if busy is None else
             rx.cond(busy, rx.hstack(rx.spinner(size="1"), busy_label, align="center"), confirm_label))
    disabled = {} if busy is None else {"disabled": busy}
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(*question, size="2"),  # inline parts only: it renders a <p>
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", **disabled)),
                rx.button(label, color_scheme="red", on_click=on_confirm, id=confirm_id, **disabled),
                spacing="3", justify="end", margin_top="1em",
            ),
            max_width="440px",
        ),
        open=open, on_open_change=on_cancel,
    )
