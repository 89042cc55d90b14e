"""The billing façade: what pages, states, routes and other services call. Never raises on a Polar outage.

Amounts: Polar's meters give the period's running amount; our own usage records give an estimate at
BILLING_PRICE_PER_1000_CHARS. The status shows the larger of the two, since Polar counts an event only once our
sender has delivered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from resonance.billing import state as states
from resonance.billing.checkout import start_checkout, start_portal
from resonance.billing.client import billing_enabled
from resonance.billing.models import SubscriptionState
from resonance.billing.times import utc
from resonance.billing.usage import (
    count_characters,
    daily_characters,
    estimate_cents,
    estimate_dollars,
    period_characters,
    price_cents_per_1000,
    record_usage,
)
from resonance.core.clock import clock
from resonance.core.errors import SubscriptionRequired

__all__ = [
    "BillingStatus", "billing_enabled", "count_characters", "daily_characters", "estimate_cents", "estimate_dollars",
    "get_status", "record_usage", "refresh_status", "require_subscription", "start_checkout", "start_portal",
]


@dataclass(frozen=True)
class BillingStatus:
    enabled: bool
    active: bool
    estimated_cents: int
    period_characters: int
    period_start: datetime | None
    period_end: datetime | None
    checked_at: datetime | None
    price_cents_per_1000: int


def get_status(org_id: str) -> BillingStatus:
    """The organization's billing status from our database, refreshed from Polar when older than the configured
    age; the last known state when Polar cannot be reached; unsubscribed when never known."""
    if not billing_enabled():
        return _disabled()
    return _status(org_id, _known_state(org_id))


def refresh_status(org_id: str) -> BillingStatus:
    """Ask Polar now (after checkout); the last known state if it cannot be reached."""
    if not billing_enabled():
        return _disabled()
    return _status(org_id, states.refresh(org_id) or states.load(org_id))


def require_subscription(org_id: str) -> None:
    """Raise `SubscriptionRequired` when billing is on and the organization has no active subscription.

    Call it before writing in an open transaction: a refresh writes the state in a unit of work of its own (on
    SQLite, a second writer in the same thread would wait for the first).
    """
    if not billing_enabled():
        return
    state = _known_state(org_id)
    if state is None or not state.active:
        raise SubscriptionRequired()


def _known_state(org_id: str) -> SubscriptionState | None:
    stored = states.load(org_id)
    if states.needs_refresh(stored):
        stored = states.refresh(org_id) or states.load(org_id)
    return stored


def _status(org_id: str, stored: SubscriptionState | None) -> BillingStatus:
    active = bool(stored and stored.active)
    period_start = utc(stored.period_start) if stored and active else None
    period_end = utc(stored.period_end) if stored and active else None
    since = period_start or clock.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    characters = period_characters(org_id, since)
    ours = estimate_cents(characters)
    polar = stored.meter_amount_cents if stored and active and stored.meter_amount_cents is not None else 0
    return BillingStatus(
        enabled=True, active=active, estimated_cents=max(polar, ours), period_characters=characters,
        period_start=period_start, period_end=period_end,
        checked_at=utc(stored.checked_at) if stored else None, price_cents_per_1000=price_cents_per_1000(),
    )


def _disabled() -> BillingStatus:
    return BillingStatus(enabled=False, active=False, estimated_cents=0, period_characters=0, period_start=None,
                         period_end=None, checked_at=None, price_cents_per_1000=price_cents_per_1000())
