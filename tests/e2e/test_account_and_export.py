"""Data a person owns, in Chromium: an Admin exports the organization (button → "Exporting… n%" → Download, the
archive fetched with the browser's own cookie is a zip with the manifest) and a Member cannot fetch it; a person
deletes their account on /account (the last Admin is refused with the organization named first), lands on the
sign-in page, which confirms the deletion, and the account is gone."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile

import pytest

from .e2e_support import SESSION_COOKIE, RunningApp, signed_in

pytestmark = pytest.mark.e2e

TOAST = "[data-sonner-toast]"
# Every text the export section shows, recorded as it changes (the job may finish between two polls).
WATCH = """
window.__seen = [];
new MutationObserver(() => {
  const el = document.querySelector('#export-org-progress');
  if (el && !window.__seen.includes(el.textContent)) window.__seen.push(el.textContent);
}).observe(document.body, {subtree: true, childList: true, characterData: true});
"""


def fetch(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_an_admin_exports_the_organization_and_downloads_it(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Admin", "mel": "Mel Member"},
                       "orgs": {"acme": {"name": "Acme Export", "admin": "ada", "members": ["mel"]}},
                       "active": {"ada": "acme", "mel": "acme"}})
    b = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    b.open("/settings/organization")
    b.element("#export-org-start")
    b.driver.execute_script(WATCH)
    b.click("#export-org-start")
    link = b.element("#export-org-download", timeout=120)
    seen = b.driver.execute_script("return window.__seen")
    assert seen and seen[0].startswith("Exporting…") and seen[0].endswith("%"), seen

    href = link.get_attribute("href")
    status, body = fetch(href, b.cookie()["value"])
    assert status == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["organization"]["name"] == seeded["orgs"]["acme"]["name"]
    assert {m["email"] for m in manifest["members"]} == {seeded["users"][k]["email"] for k in ("ada", "mel")}
    assert "organization.exported" in [e["action"] for e in manifest["audit_log"]]
    assert fetch(href, seeded["users"]["mel"]["cookie"])[0] == 403  # a Member of the same organization


def ask_to_delete(new_browser, user: dict):
    """A browser of `user` that asked on /account to delete the account, typing its email."""
    b = signed_in(new_browser, user["cookie"])
    b.open("/account")
    b.click("#delete-account-open")
    b.fill("#delete-account-confirm-input", user["email"])
    b.click("#delete-account-confirm")
    return b


def test_a_person_deletes_their_account(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Admin", "leo": "Leo Leaving"},
                       "orgs": {"acme": {"name": "Acme Keep", "admin": "ada", "members": ["leo"]}},
                       "active": {"ada": "acme", "leo": "acme"}})

    # The organization's only Admin is told which organization to hand over first.
    a = ask_to_delete(new_browser, seeded["users"]["ada"])
    a.wait_text(TOAST, f"You are the last admin of {seeded['orgs']['acme']['name']}")
    assert app.one("SELECT count(*) FROM users WHERE id = ?", seeded["users"]["ada"]["id"]) == 1

    leo = seeded["users"]["leo"]
    b = ask_to_delete(new_browser, leo)
    b.wait_path("/sign-in")
    b.wait_text("#form-info", "Your account has been deleted.")
    assert app.one("SELECT count(*) FROM users WHERE id = ?", leo["id"]) == 0
    assert app.one("SELECT count(*) FROM auth_sessions WHERE user_id = ?", leo["id"]) == 0
    assert app.one("SELECT count(*) FROM memberships WHERE user_id = ?", leo["id"]) == 0
    assert app.one("SELECT count(*) FROM audit_events WHERE action = 'member.account_deleted' AND detail = ?",
                   leo["email"]) == 1
    b.open("/account")  # the old cookie opens nothing
    b.wait_path("/sign-in")
