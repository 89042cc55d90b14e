"""/settings/api-keys (Admins; Members are sent home by the page's load): create a key (its secret shown once, with
a copy button), the list with prefix, creator and last use, and revoking with a confirmation."""

from __future__ import annotations

import reflex as rx

from resonance.core import routes
from resonance.ui.components.confirm_dialog import confirm_dialog
from resonance.ui.components.local_time import local_time
from resonance.ui.components.settings import empty_row, header_row, section
from resonance.ui.layout import dashboard
from resonance.ui.states.api_keys import FORM_ID, ApiKeysState


def _create_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="name", id="api-key-name", placeholder="Name, e.g. Production backend", required=True,
                     max_length=60, size="2", flex="1", max_width="380px", auto_complete="off"),
            rx.button(rx.icon("plus", size=14), "Create key", type="submit", id="api-key-create", size="2"),
            width="100%", align="center",
        ),
        id=FORM_ID, on_submit=ApiKeysState.create, reset_on_submit=False, width="100%",
    )


def _usage_note() -> rx.Component:
    return rx.text(
        "Clients send the key in the ", rx.code("xi-api-key"), " header; ElevenLabs SDKs work with ",
        rx.code("base_url"), " set to ", rx.code(ApiKeysState.base_url, id="api-base-url"), ". ",
        rx.link("Read the API documentation", href=routes.API_DOCS, id="api-docs-link"), ".",
        size="2", color_scheme="gray",
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        "Revoke API key", "Revoke the API key \"", ApiKeysState.confirm_name,
        "\"? Requests with it are refused from now on. This cannot be undone.",
        open=ApiKeysState.confirm_action == "revoke", on_cancel=ApiKeysState.cancel_confirm, confirm_label="Revoke",
        on_confirm=ApiKeysState.revoke(ApiKeysState.confirm_id), confirm_id="api-key-revoke-confirm",
    )


def _row(key) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(key.name, weight="medium")),
        rx.table.cell(rx.code(key.prefix, class_name="api-key-prefix")),
        rx.table.cell(key.created_by),
        rx.table.cell(local_time(key.created, "date"), class_name="api-key-created"),
        rx.table.cell(local_time(key.last_used, "ago", empty="Never"), class_name="api-key-last-used"),
        rx.table.cell(
            rx.cond(key.status == "active",
                    rx.button("Revoke", size="1", variant="soft", color_scheme="red", class_name="api-key-revoke",
                              on_click=ApiKeysState.ask("revoke", key.id)),
                    rx.badge("Revoked", color_scheme="gray", variant="soft")),
            text_align="right",
        ),
        class_name="api-key-row", custom_attrs={"data-name": key.name, "data-status": key.status},
        align="center",
    )


def _table() -> rx.Component:
    return rx.table.root(
        header_row("Name", "Key", "Created by", "Created", "Last used", extra=rx.table.column_header_cell("")),
        rx.table.body(
            rx.cond(ApiKeysState.keys.length() > 0, rx.foreach(ApiKeysState.keys, _row),
                    empty_row("No keys yet. Create one above.", 6)),
        ),
        width="100%", variant="surface",
    )


def _secret_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Copy your new key"),
            rx.dialog.description(
                "This is the only time the secret of ", rx.text.strong(ApiKeysState.new_name),
                " is shown. Store it somewhere safe, such as your server's secrets; if it is lost, revoke it and "
                "create another.", size="2"),
            rx.hstack(
                rx.code(ApiKeysState.new_secret, id="api-key-secret", size="3", style={"word_break": "break_all"},
                        flex="1"),
                rx.button(rx.icon("copy", size=14), "Copy", id="api-key-copy", variant="soft",
                          on_click=ApiKeysState.copy_secret),
                width="100%", align="center", margin_y="1em",
            ),
            rx.hstack(
                rx.button("Done", id="api-key-done", on_click=ApiKeysState.close_secret(False)),
                justify="end", width="100%",
            ),
            max_width="560px",
        ),
        open=ApiKeysState.new_secret != "",
        on_open_change=ApiKeysState.close_secret,
    )


def api_keys_page() -> rx.Component:
    return dashboard(
        section("Create an API key",
                "A key lets your own code use Resonance's API for this organization, with a member's rights: list "
                "voices, add and delete voices, generate speech and read history. Its usage is billed like the "
                "app's.",
                _create_form(), _usage_note()),
        section("Keys", "Keys belong to the organization: they keep working when the person who created one leaves. "
                        "Revoke a key you no longer use, or one that may have leaked.", _table()),
        _secret_dialog(),
        _revoke_dialog(),
        title="API keys",
    )
