"""/dev/outbox: the emails Resonance queued and how their delivery went (development only)."""

import reflex as rx

from resonance.ui.components.local_time import local_time
from resonance.ui.states.outbox import OutboxState


def _email(e) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(e.subject, weight="bold"), rx.spacer(), rx.text(local_time(e.when), size="1", color_scheme="gray")),
            rx.text("To: ", e.recipient, size="2", class_name="outbox-to"),
            rx.hstack(
                rx.badge(e.status, color_scheme=rx.match(
                    e.status, ("sent", "green"), ("failed", "red"), ("pending", "amber"), ("sending", "blue"), "gray",
                ), class_name="outbox-status"),
                rx.text(e.delivery, size="1", color_scheme="gray", class_name="outbox-delivery"),
                align="center", spacing="2",
            ),
            rx.code_block(e.text, language="markdown", wrap_long_lines=True, width="100%"),
            # long links wrap rather than run off a phone's screen
            rx.cond(e.link != "", rx.link(e.link, href=e.link, class_name="outbox-link", size="2",
                                             overflow_wrap="anywhere")),
            width="100%",
        ),
        width="100%", class_name="outbox-email",
    )


def outbox_page() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.heading("Dev outbox", size="6"),
            rx.text("Every email the app queued, with its delivery status. With no SMTP server configured, this page "
                    "and the log are the delivery. Development only.", color_scheme="gray"),
            rx.button("Refresh", on_click=OutboxState.load, variant="outline"),
            rx.cond(OutboxState.emails.length() == 0, rx.text("No emails yet.")),
            rx.foreach(OutboxState.emails, _email),
            width="100%", spacing="3", padding_y="2em",
        ),
        size="3",
    )
