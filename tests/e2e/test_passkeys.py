"""Browser: a person adds a passkey on /account with Chromium's virtual authenticator (a platform authenticator that
keeps discoverable credentials and verifies the user), signs out, and signs in with the passkey alone: no email, no
password, no second step, and the account page shows it as used."""

from __future__ import annotations

import pytest

from .e2e_support import PASSWORD, SESSION_COOKIE, Browser, RunningApp

pytestmark = pytest.mark.e2e


def virtual_authenticator(b: Browser) -> str:
    b.driver.execute_cdp_cmd("WebAuthn.enable", {})
    added = b.driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return added["authenticatorId"]


def test_add_a_passkey_then_sign_in_with_it_alone(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"pia": "Pia Passkey"}, "orgs": {"acme": {"name": "Passkey Co", "admin": "pia"}},
                       "active": {"pia": "acme"}, "passwords": {"pia": PASSWORD}})
    person = seeded["users"]["pia"]
    b = new_browser()
    b.open("/sign-in")
    authenticator = virtual_authenticator(b)
    b.driver.add_cookie({"name": SESSION_COOKIE, "value": person["cookie"], "path": "/", "secure": True,
                         "httpOnly": True, "sameSite": "Lax"})
    b.open("/account")
    b.click("#passkey-add")
    b.wait(lambda d: len(b.elements(".passkey-row")) == 1, "the new passkey in the list")
    assert b.element(".passkey-name").text.strip() == "Chrome on Linux"
    b.wait_text(".passkey-last-used", "Never")
    (credential,) = b.driver.execute_cdp_cmd("WebAuthn.getCredentials",
                                             {"authenticatorId": authenticator})["credentials"]
    assert credential["isResidentCredential"] is True

    b.click("#user-button")
    b.click("#sign-out")
    b.wait_path("/sign-in")
    b.wait(lambda _: b.cookie() is None, "the session cookie to be cleared")

    b.click("#passkey-sign-in")
    b.wait(lambda d: "/sign-in" not in d.current_url, "to be signed in by the passkey")
    assert b.cookie() is not None
    b.open("/account")
    b.wait(lambda d: "Never" not in b.element(".passkey-last-used").text, "the passkey shown as used")
    assert app.one("SELECT sign_count FROM passkeys") >= 1
