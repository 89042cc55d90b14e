"""/account's "Two-step verification" card: off (set up), setting up (QR code, key, first code), new backup codes
(shown once: copy or download), on (codes left, new codes, turn off with a code)."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.forms import error_callout
from resonance.ui.components.settings import section
from resonance.ui.states.two_step import TwoStepState as S


def _code_form(label: str, button: str, on_submit, form_id: str, **button_props) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="code", placeholder="123456", auto_complete="one-time-code", required=True, size="2",
                     max_width="160px", id=f"{form_id}-code", aria_label=label),
            rx.button(button, type="submit", size="2", id=f"{form_id}-submit", **button_props),
            spacing="2", align="center", wrap="wrap",
        ),
        id=form_id, on_submit=on_submit, reset_on_submit=False, width="100%",
    )


def _setting_up() -> rx.Component:
    return rx.vstack(
        rx.text("Scan this QR code with an authenticator app (1Password, Google Authenticator, Authy…), then enter "
                "the 6-digit code it shows.", size="2"),
        rx.image(src=S.qr, width="180px", height="180px", alt="QR code for your authenticator app", id="mfa-qr",
                 border_radius="8px"),
        rx.text("Can't scan it? Enter this key instead:", size="1", color_scheme="gray"),
        rx.code(S.key, id="mfa-key", word_break="break-all"),
        _code_form("Code from your app", "Turn on", S.confirm, "mfa-confirm-form"),
        rx.button("Cancel", variant="ghost", size="1", on_click=S.cancel),
        spacing="2", width="100%", align="start",
    )


def _new_codes() -> rx.Component:
    return rx.vstack(
        rx.callout("Save these backup codes somewhere safe. Each signs you in once if you lose your phone. They are "
                   "shown only now.", icon="key_round", color_scheme="amber", size="1", width="100%"),
        rx.grid(rx.foreach(S.codes, lambda code: rx.code(code, class_name="backup-code", size="3")),
                columns="2", spacing="2", id="backup-codes"),
        rx.hstack(
            rx.button(rx.icon("copy", size=14), "Copy", variant="outline", size="2", on_click=S.copy_codes),
            rx.link(rx.button(rx.icon("download", size=14), "Download", variant="outline", size="2"),
                    href=S.codes_file, download="resonance-backup-codes.txt"),
            rx.button("I saved them", size="2", on_click=S.saved_codes, id="backup-codes-saved"),
            spacing="2", wrap="wrap",
        ),
        spacing="3", width="100%", align="start",
    )


def _on() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.badge("On", color_scheme="green", id="mfa-on"),
                  rx.text(S.backup_left, " backup codes left", size="2", color_scheme="gray", id="backup-left"),
                  spacing="2", align="center"),
        rx.button("New backup codes", variant="outline", size="2", on_click=S.renew_codes, id="backup-renew"),
        rx.text("To turn two-step verification off, enter a code from your app or a backup code.", size="2"),
        _code_form("Code to turn off", "Turn off", S.turn_off, "mfa-off-form", color_scheme="red",
                   variant="soft"),
        spacing="3", width="100%", align="start",
    )


def two_step_section() -> rx.Component:
    return section(
        "Two-step verification",
        "After your password, an emailed link or a provider, signing in also asks for a code from your phone.",
        rx.cond(S.required_by != "",
                 rx.callout(S.required_by + " requires two-step verification. Set it up here to continue.",
                            icon="shield_alert", color_scheme="amber", size="1", width="100%",
                            id="two-step-required")),
        rx.cond(S.unlocked != "",
                 rx.callout.root(
                     rx.callout.icon(rx.icon("check")),
                     rx.callout.text("You can now use ", S.unlocked, ". ",
                                     rx.link("Continue", href="/", id="two-step-continue")),
                     color_scheme="green", size="1", width="100%")),
        error_callout(S.error),
        rx.cond(
            S.codes.length() > 0, _new_codes(),
            rx.cond(S.on, _on(),
                    rx.cond(S.qr != "", _setting_up(),
                            rx.button(rx.icon("smartphone", size=14), "Set up authenticator app", size="2",
                                      on_click=S.start, id="mfa-start"))),
        ),
    )
