"""Subscription state: read from our database, refreshed from Polar's customer state when stale, the last known
state kept through an outage, unknown treated as unsubscribed."""

from __future__ import annotations

from datetime import datetime

from resonance.billing import service
from resonance.billing.models import SubscriptionState
from resonance.orgs.scope import tenant_session
from tests.billing.conftest import TIMEOUT_S
from tests.factories import get

STATE = "/v1/customers/external/"


def state_calls(polar) -> int:
    return len(polar.requests("GET", STATE))


def test_an_organization_polar_does_not_know_is_unsubscribed(billing, team, clock):
    org, _, _ = team
    status = service.get_status(org.id)
    assert (status.enabled, status.active, status.estimated_cents, status.checked_at) == (True, False, 0, clock.now())
    [call] = billing.requests("GET", STATE)
    assert call.path == f"/v1/customers/external/{org.id}/state"


def test_a_subscribed_organization_is_active_with_its_period(billing, team, clock):
    org, _, _ = team
    billing.subscribe(org.id)
    status = service.get_status(org.id)
    sub = billing.customers[org.id].subscription
    assert status.active and status.price_cents_per_1000 == 30
    assert status.period_start == datetime.fromisoformat(sub["current_period_start"])
    assert status.period_end == datetime.fromisoformat(sub["current_period_end"])


def test_the_stored_state_is_used_until_it_is_older_than_the_max_age(billing, sqlite_team, clock, configure):
    configure(BILLING_STATE_MAX_AGE_SECONDS=600)
    org, _, _ = sqlite_team
    billing.subscribe(org.id)
    assert service.get_status(org.id).active and state_calls(billing) == 1
    billing.revoke(org.id)
    clock.advance(seconds=599)
    assert service.get_status(org.id).active and state_calls(billing) == 1  # fresh enough: Polar not asked
    clock.advance(seconds=2)
    assert not service.get_status(org.id).active and state_calls(billing) == 2


def test_polar_down_keeps_the_last_known_state_and_is_not_asked_on_every_view(billing, sqlite_team, clock,
                                                                               configure):
    configure(BILLING_STATE_MAX_AGE_SECONDS=60)
    org, _, _ = sqlite_team
    billing.subscribe(org.id)
    known = service.get_status(org.id)
    clock.advance(minutes=5)
    billing.fail(STATE, times=100)
    for _ in range(3):
        status = service.get_status(org.id)
        assert status.active and status.checked_at == known.checked_at
    assert state_calls(billing) == 2  # one failed try, then a pause before the next
    clock.advance(seconds=61)
    service.get_status(org.id)
    assert state_calls(billing) == 3


def test_a_timeout_is_an_outage_too(billing, sqlite_team, clock):
    org, _, _ = sqlite_team
    billing.subscribe(org.id)
    billing.stall(STATE, seconds=TIMEOUT_S * 3)
    status = service.get_status(org.id)
    assert (status.active, status.checked_at) == (False, None)  # never known: unsubscribed
    assert get(SubscriptionState, org.id).attempted_at == clock.now()


def test_refresh_asks_polar_even_when_the_state_is_fresh(billing, sqlite_team, clock):
    org, _, _ = sqlite_team
    assert not service.get_status(org.id).active
    billing.subscribe(org.id)  # the checkout just succeeded
    assert not service.get_status(org.id).active  # still fresh: no call
    assert service.refresh_status(org.id).active and state_calls(billing) == 2


def test_the_estimate_is_polars_meter_amount_or_our_own_records_whichever_is_higher(billing, sqlite_team, clock):
    org, _, _ = sqlite_team
    billing.subscribe(org.id)
    billing.customers[org.id].consumed_units = 10_000  # Polar has metered $3.00 so far
    assert service.get_status(org.id).estimated_cents == 300
    with tenant_session(org.id) as session:  # our records say more (not yet delivered to Polar)
        service.record_usage(session, org_id=org.id, kind="tts_generation", characters=12_000, source_id="gen_a")
    status = service.get_status(org.id)
    assert (status.period_characters, status.estimated_cents) == (12_000, 360)


def test_with_billing_off_the_status_says_so_without_calling_polar(configure, polar, sqlite_team):
    configure(POLAR_ACCESS_TOKEN=None, POLAR_SERVER_URL=polar.url)
    org, _, _ = sqlite_team
    status = service.get_status(org.id)
    assert (status.enabled, status.active) == (False, False) and polar.received == []
    service.require_subscription(org.id)  # nothing gated
