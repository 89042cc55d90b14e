"""Browser: an admin adds an email domain on the Invitations tab, verifies it with the code mailed to an address at
it (read from the dev outbox), and a person whose verified address is at that domain asks to join from
/org-selection; the admin approves, and the organization is theirs to open."""

from __future__ import annotations

import secrets

import pytest

from .e2e_support import Browser, RunningApp, signed_in

pytestmark = pytest.mark.e2e


def invitations_tab(b: Browser) -> None:
    b.open("/settings/organization")
    b.click("#tab-invitations")


def test_verify_a_domain_then_approve_a_request_to_join(app: RunningApp, new_browser):
    domain = f"acme-{secrets.token_hex(3)}.test"
    seeded = app.seed({"users": {"ada": "Ada Admin", "jo": "Jo Joiner"},
                       "orgs": {"acme": {"name": "Domain Co", "admin": "ada"}, "own": {"name": "Jo Own", "admin": "jo"}},
                       "active": {"ada": "acme", "jo": "own"}, "emails": {"jo": f"jo@{domain}"}})
    org_name = seeded["orgs"]["acme"]["name"]
    admin = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    invitations_tab(admin)
    admin.fill("#domain-add-input", domain)
    admin.click("#domain-add-submit")
    row = f'.domain-row[data-domain="{domain}"]'
    admin.wait_text(row, "Unverified")
    admin.fill(f"{row} .domain-email-input input", f"it@{domain}")
    admin.click(f"{row} .domain-send-code")
    admin.wait_text(row, f"it@{domain}")
    card = admin.open_email(f"it@{domain}", f"verify {domain}")
    code = next(part for part in card.text.split() if part.isdigit() and len(part) == 6)
    invitations_tab(admin)
    admin.fill(f"{row} .domain-code-input input", code)
    admin.click(f"{row} .domain-verify")
    admin.wait_text(row, "Verified")

    joiner = signed_in(new_browser, seeded["users"]["jo"]["cookie"])
    joiner.open("/org-selection")
    offer = f'.domain-offer[data-org="{org_name}"]'
    joiner.click(f"{offer} .request-to-join")
    joiner.wait_text(offer, "Requested")

    invitations_tab(admin)
    request = f'.join-request-row[data-email="jo@{domain}"]'
    admin.click(f"{request} .join-request-approve")
    admin.wait(lambda d: not admin.elements(request), "the request to leave the list")

    joiner.open("/org-selection")
    joiner.wait_text(".org-choice", org_name)
    assert not joiner.elements(offer)  # a member is offered nothing more
