"""The browser journey of issue 2, in Chromium against the running app.

Person A signs up, verifies with the code from the dev outbox and creates an organization, then invites person B.
B, in another browser context, opens the invitation link from the outbox, signs up with the invited email from that
page, verifies and joins; creates an organization of their own, then switches back to A's with the sidebar
switcher. As a Member, B sees no Admin controls (A, as Admin, does: the same selectors, so their absence for B means
something). The session cookie is HttpOnly, Secure and SameSite=Lax and invisible to scripts; signing out with the
user menu lands on /sign-in and the old cookie no longer works; a signed-out visit to a protected page goes through
/sign-in?next= and back. Revoking an invitation and removing a member ask first, naming whom.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .e2e_support import PASSWORD, SESSION_COOKIE, Browser, RunningApp

pytestmark = pytest.mark.e2e

SETTINGS = "/settings/organization"
BODY = "body"
# Admin-only controls, per tab of /settings/organization (an inactive tab's content is not in the page).
ADMIN_GENERAL = ("#tab-invitations", "#tab-audit", "#org-rename-submit", "#delete-org-open")
ADMIN_MEMBERS = (".member-role-select", ".member-remove")


def present(b: Browser, selectors) -> list[str]:
    return [css for css in selectors if not b.absent(css)]


def sign_up(b: Browser, *, name: str, email: str | None = None, password: str = PASSWORD) -> None:
    """Fill the sign-up form; without `email`, the page is already open with the invited address filled in."""
    if email is not None:
        b.open("/sign-up")
        b.fill("input[name=email]", email)
    b.fill("input[name=name]", name)
    b.fill("input[name=password]", password)
    b.click("#sign-up-submit")
    b.wait_path("/verify-email")


def verify(b: Browser, mailbox: Browser, email: str) -> None:
    """Type the code from the newest verification email; the page signs in and moves on."""
    b.wait_text(BODY, email)  # the page knows whom it verifies (its on_load has run)
    b.fill("input[name=code]", mailbox.read_code(email))
    b.click("#verify-submit")


def create_org(b: Browser, name: str) -> None:
    b.wait_path("/org-selection")
    b.fill("input[name=name]", name)
    b.click("#create-org")
    b.wait_path("/")
    b.wait_text("#org-switcher", name)


def next_param(b: Browser) -> str | None:
    """The sign-in page's `next=` (without the trailing slash the static build adds to page paths)."""
    values = parse_qs(urlsplit(b.driver.current_url).query).get("next")
    return values[0].rstrip("/") or "/" if values else None


def session_rows(app: RunningApp, email: str) -> list[tuple]:
    return app.query(
        "SELECT s.id, s.active_org_id, s.revoked_at FROM auth_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE u.email = ? AND s.token_hash IS NOT NULL ORDER BY s.created_at", email)


def test_journey(app: RunningApp, new_browser, tag):
    mailbox, a = new_browser(), new_browser()
    a_email, b_email = f"ada-{tag}@example.com", f"ben+{tag}@example.com"  # "+" must survive the links
    a_org, b_org = f"Acme Studio {tag}", f"Ben's Lab {tag}"

    # A: sign up, verify via the outbox, create an organization (A is its Admin).
    sign_up(a, name="Ada Lovelace", email=a_email)
    verify(a, mailbox, a_email)
    create_org(a, a_org)
    a.wait_text("#greeting-name", "Ada Lovelace")
    a_org_id = app.one("SELECT id FROM organizations WHERE name = ?", a_org)

    # A, the Admin, has the Admin controls (the selectors whose absence is asserted for B below) ...
    a.open(SETTINGS)
    a.element("#leave-org")
    a.element("#delete-org-open")
    assert present(a, ADMIN_GENERAL) == list(ADMIN_GENERAL)
    # ... and invites B from the Invitations tab.
    a.click("#tab-invitations")
    a.fill("#invite-email", b_email)
    a.click("#invite-submit")
    row = a.element(f'.invitation-row[data-email="{b_email}"]')
    assert "pending" in row.text.lower()
    # A mistyped address: revoking asks first, naming it; Cancel keeps it pending, the confirm revokes it.
    typo = f"typo-{b_email}"
    a.fill("#invite-email", typo)
    a.click("#invite-submit")
    typo_row = f'.invitation-row[data-email="{typo}"]'
    a.click(f"{typo_row} .invitation-revoke")
    a.wait_text("[role=alertdialog]", f"Revoke the invitation to {typo}?")
    a.click("[role=alertdialog] button", text="Cancel")
    a.wait(lambda _: a.absent("[role=alertdialog]"), "the question to close")
    assert app.one("SELECT status FROM invitations WHERE email = ?", typo) == "pending"
    a.click(f"{typo_row} .invitation-revoke")
    a.click("#invitation-revoke-confirm")
    a.wait(lambda _: "revoked" in a.element(typo_row).text.lower(), "the invitation to show as revoked")
    assert app.one("SELECT status FROM invitations WHERE email = ?", typo) == "revoked"

    # B: open the invitation link from the outbox in another browser context; sign up from that page.
    b = new_browser()
    invite_url = b.follow_email_link(b_email, "/invite/")
    invite_path = urlsplit(invite_url).path
    b.wait_path(invite_path)
    b.wait_text(BODY, a_org)
    b.click("#invite-sign-up")
    b.wait_path("/sign-up")
    b.wait(lambda _: b.element("input[name=email]").get_attribute("value") == b_email,
           "the invited email to be filled in")
    sign_up(b, name="Ben Franklin")
    assert next_param(b) == invite_path.rstrip("/")
    verify(b, mailbox, b_email)
    b.wait_path(invite_path)  # signed in, back on the invitation
    b.click("#accept-invitation")
    b.wait_path("/")
    b.wait_text("#org-switcher", a_org)
    assert app.one(
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ? AND m.org_id = ?",
        b_email, a_org_id) == "member"

    # B creates an organization of their own from the switcher menu, then switches back to A's.
    b.click("#org-switcher")
    b.click("[role=menuitem]", text="Create organization")
    create_org(b, b_org)
    b.click("#org-switcher")
    b.element(".org-option", text=b_org)
    b.click(".org-option", text=a_org)
    b.wait_text("#org-switcher", a_org)
    b.wait_text("#greeting-name", "Ben Franklin")
    (_, active_org, _), = session_rows(app, b_email)
    assert active_org == a_org_id

    # A, the Admin, sees a role select and a remove button on B's row (what B must not see).
    a.open(SETTINGS)
    a.click("#tab-members")
    b_row = a.element(f'.member-row[data-email="{b_email}"]')
    assert all(b_row.find_elements("css selector", css) for css in ADMIN_MEMBERS)

    # B, a Member, sees the organization and its members, but no Admin controls.
    b.open(SETTINGS)
    b.click("#tab-members")
    b.element(f'.member-row[data-email="{a_email}"]')  # the page's data has loaded
    b.element(f'.member-row[data-email="{b_email}"]')
    assert present(b, ADMIN_MEMBERS) == [], "a Member sees Admin controls on the Members tab"
    b.click("#tab-general")
    b.element("#leave-org")
    assert present(b, ADMIN_GENERAL) == [], "a Member sees Admin controls on the General tab"
    name_input = b.element("#org-name-input")
    assert name_input.get_attribute("value") == a_org
    assert name_input.get_attribute("readonly") is not None

    # The session cookie: HttpOnly, Secure, SameSite=Lax, host-only, and not readable by scripts.
    cookie = b.cookie()
    assert cookie is not None, f"no {SESSION_COOKIE} cookie: {b.driver.get_cookies()}"
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert SESSION_COOKIE not in b.driver.execute_script("return document.cookie")

    # Sign out with the user button menu: /sign-in, no cookie, the session revoked on the server.
    b.click("#user-button")
    b.click("#sign-out")
    b.wait_path("/sign-in")
    b.wait(lambda _: b.cookie() is None, "the session cookie to be cleared")
    assert all(revoked for _, _, revoked in session_rows(app, b_email)), session_rows(app, b_email)

    # The old cookie no longer works: put it back and visit a protected page.
    b.driver.add_cookie({"name": SESSION_COOKIE, "value": cookie["value"], "path": "/", "secure": True,
                         "httpOnly": True, "sameSite": "Lax"})
    assert b.cookie()["value"] == cookie["value"]
    b.open(SETTINGS)
    b.wait_path("/sign-in")
    assert next_param(b) == SETTINGS

    # Signing in there returns to the page B was going to.
    b.fill("input[name=email]", b_email)
    b.fill("input[name=password]", PASSWORD)
    b.click("#sign-in-submit")
    b.wait_path(SETTINGS)
    b.element("#tab-general")
    assert b.cookie()["value"] != cookie["value"]  # a new session id on every sign-in

    # A removes B: asked first with B's address and the organization's name; the confirm removes.
    a.open(SETTINGS)
    a.click("#tab-members")
    a.click(f'.member-row[data-email="{b_email}"] .member-remove')
    a.wait_text("[role=alertdialog]", f"Remove {b_email} from {a_org}? They lose access at once.")
    a.click("#member-remove-confirm")
    a.wait(lambda _: a.absent(f'.member-row[data-email="{b_email}"]'), "B's row to go")
    assert app.one("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ? "
                   "AND m.org_id = ?", b_email, a_org_id) == 0


@pytest.mark.parametrize("path", [SETTINGS, "/", "/text-to-speech", "/org-selection"])
def test_signed_out_visit_lands_on_sign_in(app: RunningApp, new_browser, path):
    b = new_browser()
    b.open(path)
    b.wait_path("/sign-in")
    assert next_param(b) == (path if path != "/" else None)
    b.element("#sign-in-submit")
    assert b.absent("#org-switcher") and b.absent("#tab-general")
