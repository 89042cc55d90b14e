"""/account's "Passkeys" card: the account's passkeys (name, added, last used) with Rename and Remove (after asking),
and "Add a passkey", which opens the browser's prompt (assets/passkeys.js)."""

from __future__ import annotations

import reflex as rx

from resonance.identity.passkeys import NAME_CHARS
from resonance.ui.browser import PASSKEYS_SCRIPT
from resonance.ui.components.confirm_dialog import confirm_dialog
from resonance.ui.components.forms import error_callout
from resonance.ui.components.local_time import local_time
from resonance.ui.components.settings import section, table_or_empty
from resonance.ui.states.passkeys import PasskeysState as S


def _row(key) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.icon("key_round", size=16, color="var(--gray-10)"),
                                rx.text(key.name, weight="medium", class_name="passkey-name"),
                                align="center", spacing="2")),
        rx.table.cell(local_time(key.created, "date")),
        rx.table.cell(local_time(key.last_used, "recent", empty="Never"), class_name="passkey-last-used"),
        rx.table.cell(
            rx.hstack(
                rx.button("Rename", size="1", variant="soft", class_name="passkey-rename",
                          on_click=S.start_rename(key.id)),
                rx.button("Remove", size="1", variant="soft", color_scheme="red", class_name="passkey-remove",
                          on_click=S.ask("remove", key.id)),
                spacing="2", justify="end",
            ),
            text_align="right",
        ),
        class_name="passkey-row", align="center",
    )


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename passkey"),
            rx.form(
                rx.vstack(
                    rx.input(name="name", default_value=S.rename_name, key=S.rename_id, required=True,
                             max_length=NAME_CHARS, size="2", width="100%", id="passkey-rename-name",
                             aria_label="Passkey name"),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit", id="passkey-rename-save"),
                        spacing="3", justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=S.rename, reset_on_submit=False, width="100%",
            ),
            max_width="420px",
        ),
        open=S.rename_id != "", on_open_change=S.close_rename,
    )


def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        "Remove passkey", "Remove the passkey \"", S.confirm_name, "\"? It will no longer sign you in.",
        open=S.confirm_action == "remove", on_cancel=S.cancel_confirm, confirm_label="Remove",
        on_confirm=S.remove(S.confirm_id), confirm_id="passkey-remove-confirm",
    )


def passkeys_section() -> rx.Component:
    return section(
        "Passkeys",
        "Sign in with your fingerprint, face or device PIN instead of a password. A passkey is also accepted as the "
        "second step.",
        rx.script(src=PASSKEYS_SCRIPT),
        error_callout(S.error),
        table_or_empty(S.passkeys, _row, "Name", "Added", "Last used", empty="No passkeys yet.", id="passkeys-table"),
        rx.button(rx.icon("key_round", size=14), "Add a passkey", size="2", on_click=S.start_add, id="passkey-add",
                  loading=S.adding),
        _rename_dialog(),
        _remove_dialog(),
    )
