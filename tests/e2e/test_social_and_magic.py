"""Browser: sign in with an OpenID Connect provider (the real oidc-provider on loopback, its login and consent pages
filled in Chromium), and sign in with a magic link read from the dev outbox.

The app here is a second backend serving the session app's build at another loopback address (second_backend.py):
it needs RESONANCE_OIDC_PROVIDERS pointing at a provider that knows its callback URL, and the sign-in page lists the
configured providers from its state, so the build is shared.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_support import RunningApp, stop_app
from tests.e2e.second_backend import start_backend
from tests.identity.oauth.servers import OidcProvider

pytestmark = pytest.mark.e2e

HOST = "127.0.0.3"  # the backend with a provider (billing uses 127.0.0.2, mail delivery 127.0.0.5)
CLIENT_ID, CLIENT_SECRET = "resonance-e2e", "e2e-client-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def app(app: RunningApp) -> Iterator[RunningApp]:
    """Replaces the session app in this module (so `new_browser` opens this one); `app` here is the session's."""
    base = Path(tempfile.mkdtemp(prefix="resonance-e2e-social-"))
    op = OidcProvider([{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                        "redirect_uris": [f"http://{HOST}:{app.port}/api/auth/oauth/loopback/callback"]}])
    settings = {"RESONANCE_OIDC_PROVIDERS": json.dumps([{
        "name": "loopback", "label": "Loopback ID", "discovery_url": op.discovery_url,
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}])}
    try:
        try:
            running, proc = start_backend(app, base, host=HOST, settings=settings)
        except RuntimeError as error:
            pytest.fail(str(error), pytrace=False)
        try:
            assert running.url == f"http://{HOST}:{app.port}"  # the address the provider sends people back to
            yield running
        finally:
            running.close()
            stop_app(proc)
    finally:
        op.stop()
        shutil.rmtree(base, ignore_errors=True)


def _through_the_provider(b, login: str) -> None:
    b.open("/sign-in")
    b.click("#oauth-loopback", text="Continue with Loopback ID")
    # oidc-provider's own pages: any login and password, then consent.
    b.wait(lambda d: "/interaction/" in d.current_url, "the provider's login page")
    b.driver.find_element("css selector", "input[name=login]").send_keys(login)
    b.driver.find_element("css selector", "input[name=password]").send_keys("anything")
    b.driver.find_element("css selector", "button[type=submit]").click()
    b.wait(lambda d: "/interaction/" in d.current_url and not d.find_elements("css selector", "input[name=login]"),
           "the provider's consent page")
    b.driver.find_element("css selector", "button[type=submit]").click()


def test_sign_in_with_an_openid_provider(app: RunningApp, new_browser, tag):
    email = f"social-{tag}@example.com"
    b = new_browser()
    _through_the_provider(b, email)
    # Back in the app, signed in: a new person has no organization yet.
    b.wait_path("/org-selection")
    cookie = b.cookie()
    assert cookie and cookie["httpOnly"] and cookie["secure"]
    assert app.one("SELECT email_verified_at IS NOT NULL FROM users WHERE email = ?", email) == 1
    assert app.one("SELECT provider FROM external_identities WHERE email = ?", email) == "loopback"


def test_a_provider_without_a_verified_email_gives_an_address_and_verifies_it(app: RunningApp, new_browser, tag):
    claimed, mine = f"someone-{tag}@example.com", f"mine-{tag}@example.com"
    b = new_browser()
    _through_the_provider(b, f"unverified:{claimed}")
    # An account without email, asked for one; nobody is signed in yet and nothing went to the unverified address.
    b.wait_path("/verify-email")
    b.fill("#give-email", mine)
    b.click("#give-email-submit")
    b.element("#verify-submit")
    assert b.cookie() is None
    assert app.one("SELECT COUNT(*) FROM outbox_emails WHERE \"to\" = ?", claimed) == 0
    text = app.one("SELECT text FROM outbox_emails WHERE \"to\" = ? ORDER BY created_at DESC", mine)
    b.fill("#code", re.search(r"Your code: (\d{6})", text).group(1))
    b.click("#verify-submit")
    b.wait_path("/org-selection")
    assert b.cookie() is not None
    assert app.one("SELECT email_verified_at IS NOT NULL FROM users WHERE email = ?", mine) == 1
    assert app.one("SELECT COUNT(*) FROM users WHERE email = ?", claimed) == 0


def test_sign_in_with_a_magic_link_from_the_outbox(app: RunningApp, new_browser):
    person = app.seed({"users": {"mia": "Mia Magic"}})["users"]["mia"]
    b = new_browser()
    b.open("/sign-in")
    b.click("#magic-link-toggle")
    b.fill("#magic-email", person["email"])
    b.click("#magic-link-submit")
    b.wait_text("#magic-link-sent", "we just emailed it a sign-in link")
    assert b.cookie() is None
    # Opened from a mail program: a full page load of the link (the outbox page's own links route client-side).
    card = b.open_email(person["email"], "/sign-in/link?token=")
    link = card.find_element("css selector", ".outbox-link").get_attribute("href")
    assert link.startswith(app.url + "/sign-in/link?token=")  # the app's own address, not the backend's
    b.driver.get(link)
    b.wait_text("#magic-email-shown", person["email"])  # the app's page, in its look, naming the account
    assert b.cookie() is None  # opening the link alone signs nobody in
    b.driver.find_element("css selector", "#magic-sign-in").click()
    b.wait_path("/org-selection")
    assert b.cookie() is not None
    b.open("/sign-in")  # signed in: the sign-in page sends the person on
    b.wait(lambda d: "/sign-in" not in d.current_url, "to leave the sign-in page")
