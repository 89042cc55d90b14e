"""POST /api/webhooks/polar: Standard Webhooks verification by the SDK, deduplication by webhook id, and the state
each event leaves (see resonance/billing/webhooks.py for the mapping)."""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.billing import service, webhooks
from resonance.billing.models import SubscriptionState, WebhookReceipt
from tests.factories import all_rows, get
from tests.servers import serving


@pytest.fixture
def client():
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        yield http


def deliver(client, polar, event_type: str, data: dict, **signing):
    body, headers = polar.signed(event_type, data, **signing)
    return client.post("/api/webhooks/polar", content=body, headers=headers)


def state(org) -> SubscriptionState | None:
    return get(SubscriptionState, org.id)


def test_a_signed_subscription_activation_activates_the_organization(billing, team, client):
    org, _, _ = team
    answer = deliver(client, billing, "subscription.active", billing.subscribe(org.id))
    assert answer.status_code == 200
    assert state(org).active and service.get_status(org.id).active
    assert billing.requests("GET") == []  # no call to Polar needed: the webhook said it


@pytest.mark.parametrize(("signing", "status"), [
    ({"secret": "whsec_" + base64.b64encode(b"another endpoint's secret").decode()}, 403),
    ({"offset": -310}, 403),  # older than the 5-minute tolerance
    ({"offset": +310}, 403),
    ({"raw_body": b'{"type": "subscription.active", "data": '}, 400),  # signed, but not JSON
    ({"raw_body": b'{"type": "subscription.active", "timestamp": "2026-01-01T00:00:00Z", "data": {"id": 1}}'}, 400),
])
def test_bad_deliveries_are_refused_and_change_nothing(billing, sqlite_team, client, signing, status):
    org, _, _ = sqlite_team
    if "offset" in signing:
        signing = {"timestamp": time.time() + signing["offset"]}
    answer = deliver(client, billing, "subscription.active", billing.subscribe(org.id), **signing)
    assert answer.status_code == status
    assert state(org) is None and all_rows(WebhookReceipt) == []


def test_missing_signature_headers_are_refused(billing, sqlite_team, client):
    org, _, _ = sqlite_team
    body, _ = billing.signed("subscription.active", billing.subscribe(org.id))
    assert client.post("/api/webhooks/polar", content=body).status_code == 403


def test_an_unknown_event_type_is_acknowledged_and_ignored(billing, sqlite_team, client):
    org, _, _ = sqlite_team
    assert deliver(client, billing, "subscription.teleported", {"id": "x"}).status_code == 202
    assert state(org) is None


def test_without_a_webhook_secret_every_delivery_is_refused(billing, sqlite_team, client, configure):
    org, _, _ = sqlite_team
    configure(POLAR_WEBHOOK_SECRET=None)
    assert deliver(client, billing, "subscription.active", billing.subscribe(org.id)).status_code == 403


def test_a_replayed_webhook_is_acknowledged_but_applied_once(billing, team, client):
    org, _, _ = team
    first = billing.signed("subscription.active", billing.subscribe(org.id), webhook_id="msg_replayed")
    headers = first[1]
    assert client.post("/api/webhooks/polar", content=first[0], headers=headers).status_code == 200
    later = time.time() + 5
    assert deliver(client, billing, "subscription.revoked", billing.revoke(org.id), timestamp=later).status_code == 200
    assert not state(org).active
    replay = client.post("/api/webhooks/polar", content=first[0], headers=headers)
    assert (replay.status_code, replay.json()["detail"]) == (200, "Already received")
    assert not state(org).active  # the replay changed nothing
    assert [r.id for r in all_rows(WebhookReceipt)].count("msg_replayed") == 1


def test_subscription_lifecycle(billing, team, client):
    org, _, _ = team
    now = time.time()
    sub = billing.subscribe(org.id)
    steps = [
        ("subscription.created", {**sub, "status": "incomplete"}, False, False),
        ("subscription.active", sub, True, False),
        ("subscription.canceled", billing.cancel(org.id), True, True),  # access until the period ends
        ("subscription.uncanceled", billing.uncancel(org.id), True, False),
        ("subscription.updated", {**billing.subscription(org.id), "current_period_end": "2027-01-01T00:00:00Z"},
         True, False),
        ("subscription.revoked", billing.revoke(org.id), False, False),
    ]
    for i, (event_type, data, active, cancelling) in enumerate(steps):
        assert deliver(client, billing, event_type, data, timestamp=now + i).status_code == 200, event_type
        row = state(org)
        assert (row.active, row.cancel_at_period_end) == (active, cancelling), event_type
        assert row.subscription_id == sub["id"] and row.subscription_status == data["status"]
        if event_type == "subscription.updated":
            assert row.period_end.isoformat().startswith("2027-01-01T00:00:00")


def test_an_older_message_arriving_late_does_not_undo_a_newer_one(billing, sqlite_team, client):
    org, _, _ = sqlite_team
    active = billing.subscribe(org.id)
    revoked = billing.revoke(org.id)
    now = time.time()
    deliver(client, billing, "subscription.revoked", revoked, timestamp=now)
    assert deliver(client, billing, "subscription.active", active, timestamp=now - 10).status_code == 200
    assert not state(org).active


def test_an_old_subscription_ending_does_not_end_the_new_one(billing, sqlite_team, client):
    org, _, _ = sqlite_team
    billing.subscribe(org.id)
    old = billing.revoke(org.id)  # the first subscription ended ...
    new = billing.subscribe(org.id)  # ... and a new one started; Polar's revocation notice arrives last
    now = time.time()
    deliver(client, billing, "subscription.active", new, timestamp=now)
    deliver(client, billing, "subscription.revoked", old, timestamp=now + 1)
    assert state(org).active and state(org).subscription_id == new["id"]


def test_customer_state_changed_is_a_full_snapshot(billing, team, client):
    org, _, _ = team
    billing.subscribe(org.id)
    billing.customers[org.id].consumed_units = 5000
    now = time.time()
    assert deliver(client, billing, "customer.state_changed", billing.customer_state(org.id),
                   timestamp=now).status_code == 200
    row = state(org)
    assert row.active and row.meter_amount_cents == 150 and row.checked_at is not None
    status = service.get_status(org.id)
    assert status.estimated_cents == 150 and billing.requests("GET") == []  # counts as a fresh check
    billing.revoke(org.id)
    deliver(client, billing, "customer.state_changed", billing.customer_state(org.id), timestamp=now + 1)
    assert not state(org).active


def test_order_paid_starts_access_and_an_open_checkout_does_not(billing, team, client):
    org, admin, _ = team
    service.start_checkout(admin)
    [checkout_id] = list(billing.checkouts)
    assert deliver(client, billing, "checkout.updated", billing.checkout(checkout_id)).status_code == 202  # open
    assert state(org) is None
    billing.subscribe(org.id, checkout_id=checkout_id)
    assert deliver(client, billing, "order.paid", billing.order(org.id)).status_code == 200
    row = state(org)
    assert row.active and row.subscription_id == billing.customers[org.id].subscription["id"]
    assert row.period_end is not None


def test_a_succeeded_checkout_activates_an_organization_without_state(billing, sqlite_team, client):
    org, admin, _ = sqlite_team
    service.start_checkout(admin)
    [checkout_id] = list(billing.checkouts)
    billing.checkouts[checkout_id].update(status="succeeded", subscription_id="sub_1")
    assert deliver(client, billing, "checkout.updated", billing.checkout(checkout_id)).status_code == 200
    assert state(org).active and state(org).subscription_id == "sub_1"


def test_events_for_other_products_or_unknown_organizations_are_ignored(billing, sqlite_team, client):
    org, _, _ = sqlite_team
    sub = billing.subscribe(org.id)
    assert deliver(client, billing, "subscription.active", {**sub, "product_id": "another"}).status_code == 202
    stranger = billing.subscribe("org_nobody_knows")
    assert deliver(client, billing, "subscription.active", stranger).status_code == 202
    assert all_rows(SubscriptionState) == []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_paying_on_the_checkout_page_sends_signed_webhooks_to_the_running_app(billing, sqlite_team):
    """The loopback Polar over real HTTP both ways, as the browser test uses it."""
    org, admin, _ = sqlite_team
    with serving(build_api()) as base:
        billing.webhook_url = f"{base}/api/webhooks/polar"
        url = service.start_checkout(admin)
        page = urllib.request.urlopen(url).read().decode()
        assert 'id="pay"' in page and admin.email in page
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(urllib.request.Request(url + "/pay", data=b"", method="POST"))
        checkout_id = url.rsplit("/", 1)[1]
        assert redirect.value.code == 303
        assert redirect.value.headers["Location"] == f"http://localhost:3000/settings/billing?checkout_id={checkout_id}"
        assert billing.webhook_results == [("checkout.updated", 200), ("subscription.active", 200),
                                           ("customer.state_changed", 200)]
        assert service.get_status(org.id).active and billing.requests("GET", "/v1/") == []


def test_the_same_delivery_arriving_twice_at_once_is_applied_once(billing, team):
    org, _, _ = team
    body, headers = billing.signed("subscription.active", billing.subscribe(org.id))
    webhooks.warm()
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: webhooks.receive(body, headers), range(2)))
    assert sorted(o.message for o in outcomes) == ["Already received", "Applied"]
    assert len(all_rows(WebhookReceipt)) == 1 and state(org).active
