"""Billing in Chromium, with billing on and Polar played by the loopback fake (tests/polar_api.py) that the real
polar-sdk client talks to.

The rest of the browser tests run with billing off (their organizations generate speech without subscribing), so
this module runs a second backend with the POLAR_ settings that serves the frontend the session's app already built
(second_backend.py: no second build, about 15 s). An organization's Member sees "Pay as you go" without an Upgrade
button, is told to ask an Admin when generating, and is sent home from /settings/billing. Its Admin is refused with
"Subscription required" when generating and when creating a voice (nothing is stored), takes the toast's "Subscribe"
to the fake checkout, pays, and comes back to /settings/billing where the subscription is confirmed (the fake's
signed webhooks were accepted by POST /api/webhooks/polar); the card says "Current usage". A generation then shows
on /settings/billing and in the card, and its usage event reaches Polar; Manage Subscription opens the portal and
comes back. Crafted websocket events prove checkout and portal are refused to a Member on the server.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.polar_api import PolarAPI

from .e2e_support import ROOT, Browser, DriverPool, RunningApp, _python, browsers, stop_app
from .e2e_support import signed_in as signed_in_browser
from .second_backend import start_backend
from .test_voices import _wav

pytestmark = pytest.mark.e2e

HOST = "127.0.0.2"
TEXT = "Billing check: every character counts."
GENERATION_WAIT = 600  # seconds: a deadline, not an expectation (a loaded 2-core machine with a second backend)
TOAST = "[data-sonner-toast]"
BILLING = "/settings/billing"


@pytest.fixture(scope="module")
def polar(app: RunningApp) -> Iterator[PolarAPI]:
    with PolarAPI(webhook_url=f"http://{HOST}:{app.port}/api/webhooks/polar") as fake:
        yield fake


@pytest.fixture(scope="module")
def billing_app(app: RunningApp, polar: PolarAPI) -> Iterator[RunningApp]:
    base = Path(tempfile.mkdtemp(prefix="resonance-e2e-billing-"))
    settings = {"POLAR_ACCESS_TOKEN": polar.token, "POLAR_PRODUCT_ID": polar.product_id,
                "POLAR_SERVER_URL": polar.url, "POLAR_WEBHOOK_SECRET": polar.webhook_secret,
                "RESONANCE_BILLING_USAGE_SEND_SECONDS": "0.5"}
    try:
        running, proc = start_backend(app, base, host=HOST, settings=settings)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        done = subprocess.run([_python(), "-m", "resonance.voices.seed", "--samples"], cwd=ROOT, env=running.env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"seeding voices failed:\n{done.stdout}\n{done.stderr}"
        yield running
    finally:
        running.close()
        stop_app(proc)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def signed_in(billing_app: RunningApp, drivers: DriverPool) -> Iterator:
    """`signed_in(cookie)`: a Chromium context on the billing app with that session cookie; all given back after."""
    with browsers(billing_app, drivers) as make:
        yield lambda cookie: signed_in_browser(make, cookie)


def generate(b: Browser, text: str) -> None:
    b.open("/text-to-speech")
    b.fill("#tts-text", text)
    b.click("#tts-generate")


def click_plain(b: Browser, css: str) -> None:
    """Click on one of the fake Polar's plain HTML pages (no React to wait for, unlike Browser.click)."""
    b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, css), f"{css} on the Polar page")[0].click()


def text_is(b: Browser, css: str, expected: str) -> None:
    b.wait(lambda _: any(el.text.strip() == expected for el in b.elements(css)), f"{css} to read {expected!r}")


def test_subscribe_generate_and_see_usage(billing_app: RunningApp, polar: PolarAPI, signed_in, tmp_path):
    app = billing_app
    seeded = app.seed({"users": {"ada": "Ada Admin", "max": "Max Member"},
                       "orgs": {"studio": {"name": "Billing Studio", "admin": "ada", "members": ["max"]}},
                       "active": {"ada": "studio", "max": "studio"}})
    org_id = seeded["orgs"]["studio"]["id"]
    admin, member = signed_in(seeded["users"]["ada"]["cookie"]), signed_in(seeded["users"]["max"]["cookie"])

    # The Member: the status without buttons; generating is refused with whom to ask; the billing page is Admins'.
    member.open("/")
    member.wait_text("#billing-card", "Pay as you go")
    member.wait_text("#billing-card", "Generate speech starting at $0.30 per 1,000 characters")
    assert member.absent("#billing-upgrade") and member.absent("#billing-manage")
    assert member.absent(f'a[href="{BILLING}"]')
    # The dashboard's quick input card prices the text as the editor does.
    member.wait_text("#quick-estimate", "Start typing to estimate")
    member.fill("#quick-text", TEXT)
    member.wait_text("#quick-estimate", "$0.0114 estimated")
    generate(member, TEXT)
    member.wait_text(TOAST, "Subscription required")
    member.wait_text(TOAST, "Ask an Admin to subscribe")
    assert "Subscribe" not in " ".join(el.text for el in member.elements(f"{TOAST} button"))
    member.open(BILLING)
    member.wait_path("/")
    member.wait_text(TOAST, "Only admins can manage billing.")

    # The Admin: "Pay as you go" with Upgrade; generating is refused with a "Subscribe" action; nothing is queued.
    admin.open("/")
    admin.wait_text("#billing-card", "Pay as you go")
    admin.element("#billing-upgrade", text="Upgrade")  # what the Member above does not get
    admin.element(f'a[href="{BILLING}"]', text="Billing")  # nor this link
    generate(admin, TEXT)
    admin.wait_text(TOAST, "Subscription required")
    admin.wait_text(f"{TOAST} button", "Subscribe")
    admin.wait_text("#tts-estimate", "$0.0114 estimated")  # 38 characters at $0.30 per 1,000
    assert app.query("SELECT id FROM generations WHERE org_id = ?", org_id) == []
    # Creating a custom voice is refused the same way, in the dialog and with the toast; no voice is stored.
    admin.open("/voices")
    admin.click("#open-create-voice")
    admin.element("#create-voice-dialog")
    admin.driver.find_element(By.ID, "voice-file").send_keys(_wav(12, tmp_path, "sample.wav"))
    admin.wait_text(".voice-sample", "sample.wav")
    admin.fill("#voice-name", "Unpaid Voice")
    admin.click("#create-voice-submit")
    admin.wait_text("#create-voice-dialog", "Subscription required")
    admin.wait_text(f"{TOAST} button", "Subscribe")
    assert app.query("SELECT id FROM voices WHERE org_id = ?", org_id) == []

    # The toast's "Subscribe" (as the sidebar's Upgrade) → Polar's (fake) checkout for this organization → Pay →
    # back on /settings/billing, confirmed.
    admin.click(f"{TOAST} button", text="Subscribe")
    admin.wait(lambda d: d.current_url.startswith(polar.url + "/checkout/"), "the Polar checkout page")
    sent = polar.requests("POST", "/v1/checkouts")[-1].json
    assert (sent["external_customer_id"], sent["products"], sent["customer_email"]) == (
        org_id, [polar.product_id], seeded["users"]["ada"]["email"])
    click_plain(admin, "#pay")
    admin.wait_path("/settings/billing")
    assert "checkout_id=" in admin.path
    admin.wait_text("#billing-status", "Active")
    admin.wait_text(TOAST, "Subscription active")
    admin.wait_text("#billing-card", "Current usage")
    admin.wait_text("#billing-card", "Estimated this period")
    text_is(admin, "#billing-characters", "0")
    # Signed, verified and accepted by the app (2xx), as Polar would have sent them.
    assert {kind for kind, status in polar.webhook_results if 200 <= status < 300} >= {
        "subscription.active", "customer.state_changed"}, polar.webhook_results
    assert app.one("SELECT active FROM billing_states WHERE org_id = ?", org_id) == 1

    # Generate: the job finishes, and this period's characters on the billing page grow by the text's length.
    generate(admin, TEXT)
    admin.wait(lambda _: admin.path.startswith("/text-to-speech/gen"), "the generation page")
    admin.wait(lambda _: app.query("SELECT status FROM generations WHERE org_id = ?", org_id) == [("done",)],
               "the generation to finish", timeout=GENERATION_WAIT)
    text_is(admin, "#billing-estimated", "$0.01")  # the card on the generation's page follows, without a reload
    admin.open("/settings/billing")
    text_is(admin, "#billing-characters", str(len(TEXT)))
    text_is(admin, "#billing-cost", "$0.01")  # 38 × $0.0003 = $0.0114, shown to the cent
    text_is(admin, "#billing-estimated", "$0.01")  # the sidebar card too
    # The usage record reached Polar, for this organization, with the characters and our record id as external_id.
    admin.wait(lambda _: [e for e in polar.events() if e["name"] == "tts_generation"], "the usage event at Polar")
    event, = [e for e in polar.events() if e["name"] == "tts_generation"]
    assert (event["external_customer_id"], event["metadata"]["characters"], event["external_id"]) == (
        org_id, len(TEXT), app.one("SELECT id FROM usage_records WHERE org_id = ?", org_id))

    # Manage Subscription → the customer portal for this organization, and back.
    admin.click("#billing-manage")
    admin.wait(lambda d: d.current_url.startswith(polar.url + "/portal/"), "the Polar customer portal")
    assert polar.requests("POST", "/v1/customer-sessions")[-1].json["external_customer_id"] == org_id
    click_plain(admin, "#back")
    admin.wait_path("/settings/billing")
    text_is(admin, "#billing-characters", str(len(TEXT)))
    text_is(admin, "#billing-portal", "Manage Subscription")  # not still "Opening..." after the round trip

    # The Member now sees the usage, still without buttons.
    member.open("/")
    member.wait_text("#billing-card", "Current usage")
    assert member.absent("#billing-manage") and member.absent("#billing-upgrade")


BILLING_STATE = "resonance___ui___states___billing____billing_state"


def test_checkout_and_portal_are_refused_to_a_member_whatever_the_page_sends(billing_app: RunningApp,
                                                                             polar: PolarAPI):
    """Crafted Upgrade / Manage events over the websocket: a Member's are refused on the server (no Polar session is
    made); the same event from the Admin gets the checkout, so the refusal is not a malformed event."""
    from .test_websocket_security import EventSocket, refused_as

    seeded = billing_app.seed({"users": {"ada": "Ada Admin", "max": "Max Member"},
                               "orgs": {"o": {"name": "Crafted", "admin": "ada", "members": ["max"]}},
                               "active": {"ada": "o", "max": "o"}})
    before = len(polar.requests("POST", "/v1/checkouts")), len(polar.requests("POST", "/v1/customer-sessions"))
    member = EventSocket(billing_app, cookie=seeded["users"]["max"]["cookie"]).connect()
    admin = EventSocket(billing_app, cookie=seeded["users"]["ada"]["cookie"]).connect()
    try:
        for handler in ("upgrade", "manage"):
            assert refused_as(member.send(BILLING_STATE, handler, {}), "only admins"), handler
        assert (len(polar.requests("POST", "/v1/checkouts")),
                len(polar.requests("POST", "/v1/customer-sessions"))) == before
        answer = admin.send(BILLING_STATE, "upgrade", {})
        assert any(polar.url + "/checkout/" in str(e.get("payload")) for e in answer), answer
        assert polar.requests("POST", "/v1/checkouts")[-1].json["external_customer_id"] == seeded["orgs"]["o"]["id"]
    finally:
        member.close()
        admin.close()
