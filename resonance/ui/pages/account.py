"""/account: profile, password, two-step verification, passkeys, connected accounts, the devices signed in and the
account's security activity."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.forms import error_callout, info_callout, strength_meter
from resonance.ui.components.local_time import local_time
from resonance.ui.components.passkeys_section import passkeys_section
from resonance.ui.components.settings import header_row, log_row, section, table_or_empty
from resonance.ui.components.social import provider_link
from resonance.ui.components.two_step_section import two_step_section
from resonance.ui.layout import dashboard
from resonance.ui.states.account import AccountState
from resonance.ui.states.auth import AuthState


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", width="100%")


def _password_input(label: str, name: str, input_id: str, auto_complete: str, **props) -> rx.Component:
    return _labelled(label, rx.input(name=name, id=input_id, type="password", auto_complete=auto_complete,
                                     required=True, size="2", width="100%", **props))


def profile_section() -> rx.Component:
    return section(
        "Profile", "Your name as your teammates see it.",
        rx.form(
            rx.vstack(
                _labelled("Name", rx.input(name="name", id="profile-name", default_value=AuthState.user_name,
                                           key=AuthState.user_name, required=True, max_length=120, size="2",
                                           width="100%", auto_complete="name")),
                _labelled("Email", rx.text(AuthState.user_email, size="2", color_scheme="gray")),
                rx.button("Save", type="submit", id="profile-save", size="2"),
                spacing="3", width="100%", max_width="420px",
            ),
            on_submit=AccountState.save_profile, reset_on_submit=False, width="100%",
        ),
    )


def password_section() -> rx.Component:
    return section(
        "Password", "Changing your password signs you out on every other device.",
        rx.form(
            rx.vstack(
                _password_input("Current password", "current", "current-password", "current-password"),
                _password_input("New password", "new", "new-password", "new-password",
                                on_change=AccountState.rate_password.debounce(250)),
                rx.cond(AccountState.password_length > 0,
                        strength_meter(AccountState.strength, AccountState.strength_label,
                                       AccountState.strength_hint)),
                _password_input("Repeat the new password", "repeat", "repeat-password", "new-password"),
                rx.text("8 to 128 characters. Common passwords are refused.", size="1", color_scheme="gray"),
                rx.button("Change password", type="submit", id="password-save", size="2"),
                spacing="3", width="100%", max_width="420px",
            ),
            id="password-form", on_submit=AccountState.change_password, reset_on_submit=False, width="100%",
        ),
    )


def _session_row(row) -> rx.Component:
    current = row.current
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.icon("monitor_smartphone", size=16, color="var(--gray-10)"),
            rx.text(row.device, weight="medium"),
            rx.cond(current, rx.badge("This device", color_scheme="teal", variant="soft")),
            align="center", spacing="2",
        )),
        rx.table.cell(rx.code(row.ip, variant="ghost")),
        rx.table.cell(local_time(row.last_seen, "recent")),
        rx.table.cell(local_time(row.created)),
        rx.table.cell(
            rx.cond(current, rx.fragment(),
                    rx.button("Sign out", size="1", variant="soft", color_scheme="red", class_name="session-revoke",
                              on_click=AccountState.revoke_session(row.id))),
            text_align="right",
        ),
        class_name=rx.cond(current, "session-row current-session", "session-row"), align="center",
    )


def sessions_section() -> rx.Component:
    return section(
        "Active sessions", "Devices signed in to your account. Sign out any you do not recognise.",
        rx.table.root(
            header_row("Device", "IP address", "Last active", "Signed in", extra=rx.table.column_header_cell("")),
            rx.table.body(rx.foreach(AccountState.sessions, _session_row)),
            width="100%", variant="ghost",
        ),
        rx.button(rx.icon("log_out", size=14), "Sign out of all other sessions", id="revoke-other-sessions",
                  variant="outline", color_scheme="red", size="2", on_click=AccountState.revoke_others,
                  disabled=AccountState.sessions.length() <= 1),
    )


def _connected_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.label, weight="medium")),
        rx.table.cell(row.email),
        rx.table.cell(local_time(row.since)),
        rx.table.cell(
            rx.button("Disconnect", size="1", variant="soft", color_scheme="red", class_name="identity-disconnect",
                      on_click=AccountState.disconnect(row.id)),
            text_align="right",
        ),
        class_name="identity-row", align="center",
    )


def connected_accounts_section() -> rx.Component:
    return section(
        "Connected accounts", "Sign in with these as well as your password. The last way to sign in cannot be removed.",
        info_callout(AccountState.connect_notice),
        error_callout(AccountState.connect_error),
        table_or_empty(AccountState.connected, _connected_row, "Provider", "Email", "Connected",
                       empty="No connected accounts yet."),
        rx.hstack(
            rx.foreach(AccountState.connect_options, lambda p: provider_link(
                rx.button(rx.icon("link", size=14), "Connect ", p.label, variant="outline", size="2"),
                href=p.href, id="connect-" + p.name,
            )),
            spacing="2", wrap="wrap",
        ),
    )


def _security_row(row) -> rx.Component:
    return log_row(row.when, rx.text(row.what, weight="medium"), row.device, row.place,
                   class_name="security-row")


def security_activity_section() -> rx.Component:
    return section(
        "Security activity",
        "Your latest sign-ins and changes to how you sign in. New devices and changes are also emailed to you.",
        rx.cond(
            AccountState.security.length() > 0,
            rx.table.root(
                header_row("When", "What", "Device", "From"),
                rx.table.body(rx.foreach(AccountState.security, _security_row)),
                width="100%", variant="ghost",
            ),
            rx.text("Nothing yet.", size="2", color_scheme="gray"),
        ),
    )


def delete_account_section() -> rx.Component:
    return section(
        "Delete account",
        "Deletes your account, its sign-in methods and sessions. Voices and speech you made stay with their "
        "organizations. If you are the last admin of an organization, make someone else an admin or delete it first.",
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button("Delete account", color_scheme="red", id="delete-account-open")),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete your account"),
                rx.alert_dialog.description(
                    "This cannot be undone. For your security it works only within 15 minutes of signing in.",
                    size="2"),
                rx.form(
                    rx.vstack(
                        rx.text("Type ", rx.text.strong(AuthState.user_email), " to confirm.", size="2"),
                        rx.input(name="confirmation", id="delete-account-confirm-input", auto_complete="off",
                                 width="100%"),
                        rx.hstack(
                            rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray",
                                                             type="button")),
                            rx.button("Delete account", type="submit", color_scheme="red",
                                      id="delete-account-confirm"),
                            spacing="3", justify="end", width="100%",
                        ),
                        spacing="3", width="100%", margin_top="1em",
                    ),
                    on_submit=AccountState.delete_account, reset_on_submit=False,
                ),
                max_width="460px",
            ),
        ),
        danger=True,
    )


def account_page() -> rx.Component:
    return dashboard(
        rx.grid(profile_section(), password_section(), columns=rx.breakpoints(initial="1", md="2"), spacing="4",
                width="100%"),
        two_step_section(),
        passkeys_section(),
        connected_accounts_section(),
        sessions_section(),
        security_activity_section(),
        delete_account_section(),
        title="Manage account",
    )
