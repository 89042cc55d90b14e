"""Building blocks shared by the settings pages: section cards, role pickers and badges, table headers, log rows."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.local_time import local_time

ROLE_LABELS = (("admin", "Admin"), ("member", "Member"))
DOMAIN_MODE_LABELS = (("automatic_invitation", "Automatic invitation"), ("suggestion", "Suggestion"))
STATUS_COLORS = (("pending", "blue"), ("accepted", "green"), ("revoked", "gray"), ("expired", "orange"))


def section(title: str, description, *children: rx.Component, danger: bool = False) -> rx.Component:
    """A titled card; `danger` outlines it in red for irreversible actions."""
    return rx.card(
        rx.vstack(
            rx.heading(title, size="3", color=("var(--red-11)" if danger else None)),
            rx.text(description, size="2", color_scheme="gray"),
            *children,
            spacing="3", width="100%", align="start",
        ),
        width="100%", size="2",
        style={"border": "1px solid var(--red-6)"} if danger else {},
    )


def role_badge(role) -> rx.Component:
    return rx.badge(rx.match(role, *ROLE_LABELS, role), color_scheme=rx.cond(role == "admin", "teal", "gray"),
                    variant="soft")


def status_badge(status) -> rx.Component:
    return rx.badge(status, color_scheme=rx.match(status, *STATUS_COLORS, "gray"), variant="soft")


def role_picker(*, trigger_id: str = "", trigger_class: str = "", **props) -> rx.Component:
    """Admin or Member; `props` go to the root (value/on_change, or name/default_value inside a form)."""
    return _picker(ROLE_LABELS, trigger_id=trigger_id, trigger_class=trigger_class, min_width="110px", **props)


def domain_mode_picker(**props) -> rx.Component:
    """How a verified domain enrolls people: automatic invitation or suggestion; `props` go to the root."""
    return _picker(DOMAIN_MODE_LABELS, trigger_class="domain-mode-select", min_width="190px", **props)


def _picker(labels, *, trigger_id: str = "", trigger_class: str = "", min_width: str, **props) -> rx.Component:
    trigger = {"id": trigger_id} if trigger_id else {}
    return rx.select.root(
        rx.select.trigger(class_name=trigger_class, min_width=min_width, **trigger),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in labels]),
        **props,
    )


def header_row(*titles: str, extra: rx.Component | None = None) -> rx.Component:
    cells = [rx.table.column_header_cell(t) for t in titles]
    return rx.table.header(rx.table.row(*cells, *([extra] if extra is not None else [])))


def table_or_empty(rows, row, *titles: str, empty: str, **props) -> rx.Component:
    """`rows` (a list var) as a table, `row` rendering each, with a blank last header over the row actions; `empty`
    when there are none."""
    return rx.cond(
        rows.length() > 0,
        rx.table.root(header_row(*titles, extra=rx.table.column_header_cell("")), rx.table.body(rx.foreach(rows, row)),
                      width="100%", variant="ghost", **props),
        rx.text(empty, size="2", color_scheme="gray"),
    )


def log_row(when, *cells, class_name: str) -> rx.Component:
    """A row of a log (the audit log, security activity): its time in the viewer's zone, then `cells`; the last one
    in grey."""
    *main, last = cells
    return rx.table.row(
        rx.table.cell(rx.text(local_time(when), size="2", white_space="nowrap")),
        *(rx.table.cell(cell) for cell in main),
        rx.table.cell(rx.text(last, size="2", color_scheme="gray")),
        class_name=class_name, align="center",
    )


def empty_row(text: str, columns: int) -> rx.Component:
    return rx.table.row(rx.table.cell(rx.text(text, size="2", color_scheme="gray"), col_span=columns))

