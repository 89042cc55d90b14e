"""Browser: an organization's admin requires two-step verification (only once they have it), and a member is sent
to set it up before entering. A person turns on two-step verification on /account (QR code and key, a first code, backup codes shown
once), then signs in with an emailed link: the link leads to the second step with no session yet, a code from the
app lets them in; the next time, with the password, a backup code does, and the account page counts what is left."""

from __future__ import annotations

import time

import pyotp
import pytest

from .e2e_support import PASSWORD, Browser, RunningApp, signed_in

pytestmark = pytest.mark.e2e


def sign_in_by_link(b: Browser, email: str) -> None:
    b.driver.delete_all_cookies()
    b.open("/sign-in")
    b.click("#magic-link-toggle")
    b.fill("#magic-email", email)
    b.click("#magic-link-submit")
    b.wait_text("#magic-link-sent", "we just emailed it a sign-in link")
    card = b.open_email(email, "/sign-in/link?token=")
    b.driver.get(card.find_element("css selector", ".outbox-link").get_attribute("href"))
    b.wait_text("#magic-email-shown", email)
    b.click("#magic-sign-in")
    b.wait_path("/sign-in/two-step")
    assert b.cookie() is None  # the first factor alone opened no session


def set_up_on_account_page(b: Browser, *, wrong_first: bool = False) -> tuple[pyotp.TOTP, list[str]]:
    """On /account: set up an authenticator from the key shown, then save the backup codes; (the app, the codes)."""
    b.click("#mfa-start")
    b.element("#mfa-qr")
    totp = pyotp.TOTP(b.element("#mfa-key").text.strip())
    if wrong_first:
        b.fill("#mfa-confirm-form-code", "000000" if totp.now() != "000000" else "111111")
        b.click("#mfa-confirm-form-submit")
        b.wait_text(".rt-CalloutRoot", "not right")
    b.fill("#mfa-confirm-form-code", totp.now())
    b.click("#mfa-confirm-form-submit")
    b.wait(lambda d: len(b.elements(".backup-code")) == 10, "the ten backup codes")
    codes = [el.text.strip() for el in b.elements(".backup-code")]
    b.click("#backup-codes-saved")
    b.wait_text("#backup-left", "10 backup codes left")
    b.element("#mfa-on")
    return totp, codes


def test_an_organization_that_requires_it_sends_a_member_to_set_it_up_first(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Admin", "max": "Max Member"},
                       "orgs": {"acme": {"name": "Strict Co", "admin": "ada", "members": ["max"]}},
                       "active": {"ada": "acme", "max": "acme"}})
    admin = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    admin.open("/settings/organization")
    admin.click("#require-two-step")
    admin.wait_text("[data-sonner-toast]", "your own account first")  # not before the admin has it
    admin.open("/account")
    set_up_on_account_page(admin)
    admin.open("/settings/organization")
    admin.click("#require-two-step")
    admin.wait_text("[data-sonner-toast]", "now required")

    member = signed_in(new_browser, seeded["users"]["max"]["cookie"])
    member.open("/voices")
    member.wait_path("/account")
    member.wait_text("#two-step-required", "requires two-step verification")
    set_up_on_account_page(member)
    member.click("#two-step-continue")
    member.wait(lambda d: "/account" not in d.current_url, "to enter the organization")
    member.open("/voices")
    member.wait_path("/voices")


def test_turn_on_two_step_then_sign_in_with_a_code_and_with_a_backup_code(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"tia": "Tia Twostep"}, "orgs": {"acme": {"name": "Two Step Co", "admin": "tia"}},
                       "active": {"tia": "acme"}, "passwords": {"tia": PASSWORD}})
    person = seeded["users"]["tia"]
    b = signed_in(new_browser, person["cookie"])
    b.open("/account")
    totp, codes = set_up_on_account_page(b, wrong_first=True)

    # The code just used is spent; the app's next one (accepted one step early) lets them in.
    sign_in_by_link(b, person["email"])
    b.fill("#mfa-code", totp.at(time.time() + 30))
    b.click("#mfa-submit")
    b.wait(lambda d: "/sign-in" not in d.current_url, "to be signed in")
    assert b.cookie() is not None

    b.driver.delete_all_cookies()
    b.open("/sign-in")
    b.fill("input[name=email]", person["email"])
    b.fill("input[name=password]", PASSWORD)
    b.click("#sign-in-submit")
    b.wait_path("/sign-in/two-step")
    assert b.cookie() is None
    b.fill("#mfa-code", "000000" if totp.now() != "000000" else "111111")
    b.click("#mfa-submit")
    b.wait_text(".rt-CalloutRoot", "not right")
    b.fill("#mfa-code", codes[0])
    b.click("#mfa-submit")
    b.wait(lambda d: "/sign-in" not in d.current_url, "to be signed in")
    b.open("/account")
    b.wait_text("#backup-left", "9 backup codes left")
