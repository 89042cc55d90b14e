"""Subscription state per organization: kept in our database, updated from webhooks and the customer-state call.

Polar is the source of truth, but it is never on the critical path: the app reads the stored state, refreshes it
from Polar when it is older than BILLING_STATE_MAX_AGE_SECONDS, and keeps the last known state when Polar cannot be
reached. An organization whose state was never learned is treated as unsubscribed.

Only subscriptions to POLAR_PRODUCT_ID count: the Polar organization may sell other products.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from polar.base import PolarError, parse_response_json
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from resonance.billing.client import polar_client
from resonance.billing.models import SubscriptionState
from resonance.billing.times import parse, utc
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.orgs.scope import system_session

log = logging.getLogger("resonance.billing")

# A subscription in these states gives access (Polar lists exactly these as "active subscriptions"). A canceled
# subscription keeps status "active" with cancel_at_period_end until the period ends, then becomes "canceled".
ACTIVE_STATUSES = frozenset({"active", "trialing"})
# After a failed customer-state call, wait this long before trying again (pages call get_status often).
RETRY_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Snapshot:
    """What one message from Polar says about an organization's subscription to our product."""

    active: bool
    subscription_id: str | None = None
    subscription_status: str = ""
    cancel_at_period_end: bool = False
    period_start: datetime | None = None
    period_end: datetime | None = None
    meter_amount_cents: int | None = None


def load(org_id: str) -> SubscriptionState | None:
    with system_session() as session:
        return session.get(SubscriptionState, org_id)


def needs_refresh(state: SubscriptionState | None) -> bool:
    now = clock.now()
    if state is not None and state.attempted_at and utc(state.attempted_at) > now - RETRY_AFTER:
        if state.checked_at is None or utc(state.checked_at) < utc(state.attempted_at):
            return False  # the last try failed a moment ago: Polar is not asked again yet
    if state is None or state.checked_at is None:
        return True
    return utc(state.checked_at) <= now - timedelta(seconds=get_settings().BILLING_STATE_MAX_AGE_SECONDS)


def refresh(org_id: str) -> SubscriptionState | None:
    """Ask Polar for the customer's state and store it; on failure store only the attempt and return None.

    The Polar call runs outside any transaction: a slow Polar holds no database lock.
    """
    asked_at = clock.now()
    try:
        with polar_client() as polar:
            found = _get_customer_state(polar, org_id)
        snapshot = from_customer_state(found)
    except ResourceNotFound:
        snapshot = Snapshot(active=False)  # no customer with this external id: never subscribed
    except (PolarError, OSError, ValueError, AttributeError) as error:  # unreachable, failing, or nonsense
        log.warning("Polar customer state for %s unavailable: %s", org_id, error)

        def note_attempt(session: Session) -> None:
            state = _row(session, org_id)
            state.attempted_at = asked_at
            session.add(state)

        _write(note_attempt)
        return None

    def store(session: Session) -> SubscriptionState:
        state = apply(session, org_id, snapshot, at=asked_at)
        state.checked_at = state.attempted_at = asked_at
        session.add(state)
        return state

    return _write(store)


def _write(change):
    """Run `change` in its own unit of work; once more if a concurrent first write of the same row won the race."""
    try:
        with system_session() as session:
            return change(session)
    except IntegrityError:
        with system_session() as session:
            return change(session)


def apply(session: Session, org_id: str, snapshot: Snapshot, *, at: datetime) -> SubscriptionState:
    """Store `snapshot` unless the stored state came from a newer message (webhooks may arrive out of order)."""
    state = _row(session, org_id)
    if state.state_at is not None and utc(state.state_at) > at:
        return state
    state.active = snapshot.active
    state.subscription_id = snapshot.subscription_id
    state.subscription_status = snapshot.subscription_status
    state.cancel_at_period_end = snapshot.cancel_at_period_end
    state.period_start, state.period_end = snapshot.period_start, snapshot.period_end
    if snapshot.meter_amount_cents is not None or not snapshot.active:
        state.meter_amount_cents = snapshot.meter_amount_cents
    state.state_at = state.updated_at = at
    session.add(state)
    return state


def _row(session: Session, org_id: str) -> SubscriptionState:
    return session.get(SubscriptionState, org_id) or SubscriptionState(org_id=org_id)


# Reading Polar's JSON. Plain dicts rather than the SDK's dataclasses: polar-sdk 1.0.2 types a customer-state
# subscription's `status` as the benefit-grant literal ("granted" | "disabled") while Polar sends the subscription's
# status ("active", "trialing"), so the SDK's loader refuses every customer with a subscription.


def from_customer_state(customer: dict) -> Snapshot:
    """CustomerState: its `active_subscriptions` to our product (Polar lists only active ones)."""
    product = get_settings().POLAR_PRODUCT_ID
    subscriptions = [s for s in customer.get("active_subscriptions") or [] if s.get("product_id") == product]
    if not subscriptions:
        return Snapshot(active=False)
    current = max(subscriptions, key=lambda s: s.get("current_period_start") or "")
    return Snapshot(
        active=True, subscription_id=current.get("id"), subscription_status=str(current.get("status") or "active"),
        cancel_at_period_end=bool(current.get("cancel_at_period_end")),
        period_start=parse(current.get("current_period_start")), period_end=parse(current.get("current_period_end")),
        meter_amount_cents=_meters_amount(current),
    )


def from_subscription(subscription: dict) -> Snapshot | None:
    """A Subscription (subscription.* webhooks) or an order's subscription; None when for another product."""
    if subscription.get("product_id") != get_settings().POLAR_PRODUCT_ID:
        return None
    status = str(subscription.get("status") or "")
    active = status in ACTIVE_STATUSES and not subscription.get("ended_at")
    return Snapshot(
        active=active, subscription_id=subscription.get("id"), subscription_status=status,
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
        period_start=parse(subscription.get("current_period_start")),
        period_end=parse(subscription.get("current_period_end")),
        meter_amount_cents=_meters_amount(subscription) if active and "meters" in subscription else None,
    )


def _meters_amount(subscription: dict) -> int:
    return sum(int(meter.get("amount") or 0) for meter in subscription.get("meters") or [])


def _get_customer_state(polar, org_id: str) -> dict:
    """GET /v1/customers/external/{id}/state through the SDK's client (auth, host, timeout, error mapping), read
    as JSON (see above for why not through `customers.get_state_external`)."""
    client = polar.customers.client
    request = client.build_request(method="GET", url="/v1/customers/external/{external_id}/state",
                                   path_params={"external_id": org_id})
    return parse_response_json(client.send_request(request), None, {404: ResourceNotFound, 422: HTTPValidationError})
