"""Checkout and customer portal, through the real polar-sdk client against the loopback Polar: what the app sends,
who may start them, and what a failing Polar looks like to the person."""

from __future__ import annotations

import pytest

from resonance.billing import service
from resonance.core.errors import Forbidden, ResonanceError
from tests.billing.conftest import TIMEOUT_S
from tests.factories import APP_URL


def test_an_admin_starts_a_checkout_for_the_organization(billing, team):
    org, admin, _ = team
    url = service.start_checkout(admin)
    [sent] = billing.requests("POST", "/v1/checkouts/")
    assert sent.headers["authorization"] == f"Bearer {billing.token}"
    assert sent.json["products"] == [billing.product_id]
    assert sent.json["external_customer_id"] == org.id
    assert sent.json["customer_email"] == admin.email and sent.json["customer_name"] == "Acme Studio"
    assert sent.json["success_url"] == APP_URL + "/settings/billing?checkout_id={CHECKOUT_ID}"
    checkout_id = url.rsplit("/", 1)[1]
    assert url == f"{billing.url}/checkout/{checkout_id}" and checkout_id in billing.checkouts


def test_members_cannot_start_a_checkout_or_open_the_portal(billing, team):
    org, _, member = team
    billing.subscribe(org.id)
    with pytest.raises(Forbidden, match="Only admins can do this."):
        service.start_checkout(member)
    with pytest.raises(Forbidden, match="Only admins can do this."):
        service.start_portal(member)
    assert billing.requests("POST") == []  # refused before Polar was asked


def test_an_admin_opens_the_customer_portal(billing, team):
    org, admin, _ = team
    billing.subscribe(org.id)
    url = service.start_portal(admin)
    [sent] = billing.requests("POST", "/v1/customer-sessions/")
    assert sent.json == {"external_customer_id": org.id, "return_url": APP_URL + "/settings/billing"}
    assert url.startswith(f"{billing.url}/portal/polar_cst_")


@pytest.mark.parametrize("failure", ["500", "timeout"])
def test_a_failing_polar_gives_a_clear_error(billing, sqlite_team, failure):
    _, admin, _ = sqlite_team
    if failure == "500":
        billing.fail("/v1/", times=2)
    else:
        billing.stall("/v1/", seconds=TIMEOUT_S * 3, times=2)
    with pytest.raises(ResonanceError, match=r"^Could not start checkout\. Try again\.$"):
        service.start_checkout(admin)
    with pytest.raises(ResonanceError, match=r"^Could not open the billing portal\. Try again\.$"):
        service.start_portal(admin)


def test_the_portal_of_an_organization_polar_does_not_know_is_an_error(billing, sqlite_team):
    _, admin, _ = sqlite_team
    with pytest.raises(ResonanceError, match="Could not open the billing portal"):
        service.start_portal(admin)


def test_with_billing_off_checkout_says_so_and_calls_nobody(configure, polar, sqlite_team):
    configure(POLAR_ACCESS_TOKEN=None, POLAR_SERVER_URL=polar.url)
    _, admin, _ = sqlite_team
    with pytest.raises(ResonanceError, match="Billing is not configured."):
        service.start_checkout(admin)
    assert polar.received == []
