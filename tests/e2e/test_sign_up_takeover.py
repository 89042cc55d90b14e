"""Sign-up takeover by a second sign-up, in Chromium against the running app.

The victim signs up; past the resend cooldown the attacker signs up the same address with their own password, which
mails the victim a newer code. Typed in the victim's browser that newest code is refused; the victim's own code
signs the victim in with their password; the attacker's password never signs in. The code's browser is the one
holding the HttpOnly sign-up cookie the backend route set. A link opened in a browser that did not sign up
verifies the address without a password.

The cooldown is passed by moving the first code's creation time back in the app's database (the app runs in its
own process, where the test's clock does not reach).
"""

from __future__ import annotations

import sqlite3

import pytest

from .e2e_support import Browser, RunningApp
from .test_journey import BODY, sign_up

pytestmark = pytest.mark.e2e

SIGN_UP_COOKIE = "__Host-resonance_sign_up"
ATTACKER_PASSWORD = "attacker passphrase 47"


def pass_the_cooldown(app: RunningApp, email: str) -> None:
    conn = sqlite3.connect(app.db_path, timeout=10)
    try:
        with conn:
            conn.execute("UPDATE email_tokens SET created_at = datetime(created_at, '-60 seconds') WHERE user_id IN "
                         "(SELECT id FROM users WHERE email = ?)", (email,))
    finally:
        conn.close()


def enter_code(b: Browser, code: str) -> None:
    b.fill("input[name=code]", code)
    b.click("#verify-submit")


def test_the_newest_code_is_refused_in_the_victims_browser_and_the_attacker_never_signs_in(app, new_browser, tag):
    mailbox, victim, attacker = new_browser(), new_browser(), new_browser()
    email = f"victim-{tag}@example.com"

    sign_up(victim, name="Vic Tim", email=email)
    cookie = victim.cookie(SIGN_UP_COOKIE)
    assert cookie and cookie["httpOnly"] and cookie["secure"]
    assert victim.driver.execute_script("return document.cookie").find(SIGN_UP_COOKIE) == -1
    own_code = mailbox.read_code(email)

    pass_the_cooldown(app, email)
    sign_up(attacker, name="Mallory", email=email, password=ATTACKER_PASSWORD)
    mailbox.open_email(email, "another sign-up")
    newest_code = mailbox.read_code(email)

    victim.wait_text(BODY, email)
    if newest_code != own_code:  # one in a million they are equal
        enter_code(victim, newest_code)
        victim.wait_text(BODY, "That code is not right.")
    enter_code(victim, own_code)
    victim.wait_path("/org-selection")

    attacker.open("/sign-in")
    attacker.fill("input[name=email]", email)
    attacker.fill("input[name=password]", ATTACKER_PASSWORD)
    attacker.click("#sign-in-submit")
    attacker.wait_text(BODY, "Incorrect email or password.")
    assert app.one("SELECT COUNT(*) FROM auth_sessions s JOIN users u ON u.id = s.user_id "
                   "WHERE u.email = ? AND s.token_hash IS NOT NULL", email) == 1  # the victim's alone


def test_a_link_opened_in_a_browser_that_did_not_sign_up_verifies_without_a_password(app, new_browser, tag):
    laptop, phone = new_browser(), new_browser()
    email = f"phone-{tag}@example.com"
    sign_up(laptop, name="Pho Ne", email=email)

    phone.follow_email_link(email, "Your code:")

    phone.wait_text("#verified-callout", "Sign in with an emailed link")
    assert app.one("SELECT password_hash IS NULL AND email_verified_at IS NOT NULL FROM users WHERE email = ?",
                   email) == 1
