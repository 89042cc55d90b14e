"""Public identity pages: sign in, sign up, verify email, forgot and reset password, the sign-in link's landing, and
a security email's "This wasn't me"."""

from __future__ import annotations

import reflex as rx

from resonance.core import routes
from resonance.ui.browser import PASSKEYS_SCRIPT
from resonance.ui.components.auth_card import auth_card
from resonance.ui.components.forms import error_callout, field, info_callout, strength_meter
from resonance.ui.components.social import provider_buttons
from resonance.ui.states.magic_link import MagicLinkState
from resonance.ui.states.not_me import NotMeState
from resonance.ui.states.password_reset import ForgotPasswordState, ResetPasswordState
from resonance.ui.states.second_factor import SecondFactorState
from resonance.ui.states.sign_in import SignInState
from resonance.ui.states.sign_up import SignUpState
from resonance.ui.states.verify_email import VerifyEmailState


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("Email", "email", type="email", auto_complete="email", default_value=SignInState.email),
            field("Password", "password", type="password", auto_complete="current-password"),
            rx.hstack(rx.spacer(), rx.link("Forgot password?", href=routes.FORGOT_PASSWORD, size="2"), width="100%"),
            rx.button(rx.cond(SignInState.busy, rx.spinner(size="1"), rx.fragment()), "Continue", type="submit",
                      size="3", width="100%", id="sign-in-submit", disabled=SignInState.busy),
            rx.button(rx.icon("mail", size=16), "Email me a sign-in link", type="button", variant="soft", size="3",
                      width="100%", id="magic-link-toggle", on_click=SignInState.toggle_magic),
            spacing="3", width="100%",
        ),
        on_submit=SignInState.submit, reset_on_submit=False, width="100%",
    )


def _magic_link_form() -> rx.Component:
    return rx.vstack(
        rx.cond(
            SignInState.magic_sent != "",
            rx.callout(SignInState.magic_sent, icon="mail_check", color_scheme="teal", size="1", width="100%",
                       id="magic-link-sent"),
        ),
        rx.form(
            rx.vstack(
                field("Email", "email", type="email", auto_complete="email", default_value=SignInState.email,
                      input_id="magic-email"),
                rx.button("Email me a sign-in link", type="submit", size="3", width="100%", id="magic-link-submit"),
                spacing="3", width="100%",
            ),
            on_submit=SignInState.send_magic_link, reset_on_submit=False, width="100%",
        ),
        rx.button("Use my password instead", variant="ghost", size="2", on_click=SignInState.toggle_magic,
                  id="password-toggle"),
        spacing="3", width="100%",
    )


def sign_in_page() -> rx.Component:
    return auth_card(
        "Sign in", "Welcome back. Sign in to continue to Resonance.",
        info_callout(SignInState.notice),
        error_callout(SignInState.error),
        rx.cond(SignInState.magic_mode, _magic_link_form(), _password_form()),
        rx.script(src=PASSKEYS_SCRIPT),
        rx.button(rx.icon("key_round", size=16), "Sign in with a passkey", type="button", variant="outline", size="3",
                  width="100%", id="passkey-sign-in", on_click=SignInState.start_passkey),
        provider_buttons(SignInState.providers),
        rx.text("No account? ", rx.link("Sign up", href=routes.SIGN_UP), size="2"),
    )


def sign_up_page() -> rx.Component:
    return auth_card(
        "Create your account", "Start turning text into lifelike speech.",
        error_callout(SignUpState.error),
        rx.form(
            rx.vstack(
                field("Name", "name", auto_complete="name"),
                field("Email", "email", type="email", auto_complete="email", default_value=SignUpState.prefill_email),
                field("Password", "password", type="password", auto_complete="new-password",
                      on_change=SignUpState.rate_password.debounce(250)),
                rx.cond(SignUpState.password_length > 0,
                        strength_meter(SignUpState.strength, SignUpState.strength_label, SignUpState.strength_hint)),
                rx.text("8 to 128 characters. Common passwords are refused.", size="1", color_scheme="gray"),
                rx.button("Create account", type="submit", size="3", width="100%", id="sign-up-submit"),
                spacing="3", width="100%",
            ),
            on_submit=SignUpState.submit, reset_on_submit=False, width="100%",
        ),
        provider_buttons(SignUpState.providers, "Sign up with"),
        rx.text("Already have an account? ", rx.link("Sign in", href=routes.SIGN_IN), size="2"),
    )


def verify_email_page() -> rx.Component:
    code_form = rx.vstack(
        rx.text("We sent a 6-digit code to ", rx.text.strong(VerifyEmailState.email), ". It expires in 10 minutes.",
                size="2"),
        error_callout(VerifyEmailState.error),
        info_callout(VerifyEmailState.info),
        rx.form(
            rx.vstack(
                field("Verification code", "code", placeholder="123456", auto_complete="one-time-code"),
                rx.button("Verify", type="submit", size="3", width="100%", id="verify-submit"),
                spacing="3", width="100%",
            ),
            on_submit=VerifyEmailState.submit, width="100%",
        ),
        rx.hstack(
            rx.button("Resend code", variant="ghost", on_click=VerifyEmailState.resend, id="resend-code"),
            rx.cond(VerifyEmailState.giving,
                    rx.button("Use another address", variant="ghost", on_click=VerifyEmailState.change_email,
                              id="change-email")),
        ),
        width="100%", spacing="3",
    )
    give_form = rx.vstack(
        rx.text(rx.cond(VerifyEmailState.provider_label != "", VerifyEmailState.provider_label, "Your provider"),
                " did not confirm an email address for this account. Enter yours and we will send a code to "
                "verify it.", size="2"),
        error_callout(VerifyEmailState.error),
        rx.form(
            rx.vstack(
                field("Email", "email", type="email", auto_complete="email", input_id="give-email"),
                rx.button("Send code", type="submit", size="3", width="100%", id="give-email-submit"),
                spacing="3", width="100%",
            ),
            on_submit=VerifyEmailState.give_email, reset_on_submit=False, width="100%",
        ),
        width="100%", spacing="3",
    )
    done = rx.vstack(
        rx.callout(rx.cond(VerifyEmailState.password_set, "Your email is verified.",
                           "Your address is verified. Sign in with an emailed link, or choose a password with "
                           "\"Forgot password\"."),
                   icon="check", color_scheme="green", width="100%", id="verified-callout"),
        rx.link(rx.button("Sign in", size="3", width="100%"), href=routes.SIGN_IN + "?notice=verified", width="100%"),
        width="100%",
    )
    return auth_card("Verify your email", "One more step before you can sign in.",
                     rx.cond(VerifyEmailState.needs_email, give_form,
                             rx.cond(VerifyEmailState.verified_by_link, done, code_form)))


def forgot_password_page() -> rx.Component:
    return auth_card(
        "Reset your password", "We will email you a link to choose a new password.",
        error_callout(ForgotPasswordState.error),
        info_callout(ForgotPasswordState.sent),
        rx.form(
            rx.vstack(
                field("Email", "email", type="email", auto_complete="email"),
                rx.button("Email me a link", type="submit", size="3", width="100%", id="forgot-submit"),
                spacing="3", width="100%",
            ),
            on_submit=ForgotPasswordState.submit, width="100%",
        ),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
    )


def reset_password_page() -> rx.Component:
    return auth_card(
        "Choose a new password", "Resetting signs you out on every other device.",
        error_callout(ResetPasswordState.error),
        rx.form(
            rx.vstack(
                field("New password", "password", type="password", auto_complete="new-password",
                      on_change=ResetPasswordState.rate_password.debounce(250)),
                strength_meter(ResetPasswordState.strength, ResetPasswordState.strength_label),
                field("Repeat the new password", "confirm", type="password", auto_complete="new-password"),
                rx.button("Set password", type="submit", size="3", width="100%", id="reset-submit"),
                spacing="3", width="100%",
            ),
            on_submit=ResetPasswordState.submit, width="100%",
        ),
    )


def magic_link_page() -> rx.Component:
    # A plain form POST, not an event (on_submit=None: Reflex's forms otherwise prevent the browser's submit): the
    # backend route sets the session cookie and sends the browser on.
    confirm = rx.el.form(
        rx.vstack(
            rx.text("Sign in as ", rx.text.strong(MagicLinkState.email, id="magic-email-shown"), "?", size="3"),
            rx.button("Sign in", type="submit", size="3", width="100%", id="magic-sign-in"),
            spacing="3", width="100%",
        ),
        action=MagicLinkState.action, method="post", on_submit=None, width="100%",
    )
    return auth_card(
        "Sign in to Resonance", "You opened the sign-in link we emailed you.",
        error_callout(MagicLinkState.error),
        rx.cond(MagicLinkState.action != "", confirm,
                rx.cond(MagicLinkState.error == "", rx.center(rx.spinner(size="3"), width="100%"))),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
    )


def second_factor_page() -> rx.Component:
    code_form = rx.form(
        rx.vstack(
            field("Code", "code", placeholder="123456", auto_complete="one-time-code", input_id="mfa-code"),
            rx.button("Verify", type="submit", size="3", width="100%", id="mfa-submit", loading=SecondFactorState.busy),
            spacing="3", width="100%",
        ),
        on_submit=SecondFactorState.submit, width="100%",
    )
    passkey_button = rx.button(rx.icon("key_round", size=16), "Use a passkey", type="button", size="3", width="100%",
                               variant=rx.cond(SecondFactorState.has_code, "outline", "solid"), id="mfa-passkey",
                               on_click=SecondFactorState.start_passkey)
    return auth_card(
        "Two-step verification",
        rx.cond(SecondFactorState.has_code,
                "Enter the 6-digit code from your authenticator app, or one of your backup codes.",
                "Confirm it is you with one of your passkeys."),
        rx.script(src=PASSKEYS_SCRIPT),
        error_callout(SecondFactorState.error),
        rx.cond(
            SecondFactorState.expired,
            rx.link(rx.button("Sign in again", size="3", width="100%"), href=routes.SIGN_IN, width="100%"),
            rx.vstack(rx.cond(SecondFactorState.has_code, code_form),
                      rx.cond(SecondFactorState.has_passkey, passkey_button), spacing="3", width="100%"),
        ),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
    )


def not_me_page() -> rx.Component:
    confirm = rx.vstack(
        rx.text("Sign ", rx.text.strong(NotMeState.email, id="not-me-email"), " out everywhere, remove its password, "
                "passkeys and two-step verification, and email a link to choose a new password?", size="3"),
        rx.button("Secure my account", size="3", width="100%", color_scheme="red", id="not-me-submit",
                  loading=NotMeState.busy, on_click=NotMeState.secure),
        spacing="3", width="100%",
    )
    return auth_card(
        "This wasn't me", "If you did not do what our email told you about, secure your account now.",
        error_callout(NotMeState.error),
        info_callout(NotMeState.done),
        rx.cond((NotMeState.email != "") & (NotMeState.done == ""), confirm),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
    )
