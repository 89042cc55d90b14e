"""Polar webhooks: verified with the SDK (Standard Webhooks, 5-minute tolerance), deduplicated, applied once.

Verification is polar-sdk's `polar.webhooks.validate_event` (the function behind `polar.v2026_10.webhooks`'s),
given the API version's event types and a loader that checks only the payloads we act on (see DATA_MODELS).

The receipt (keyed by `webhook-id`) and the state change it causes are written in one transaction: a replay fails
on the receipt's primary key and changes nothing, and a crash mid-way leaves neither, so Polar's retry applies it.
Handling is a few row writes (no call to Polar), so the answer goes back well within Polar's 2 seconds.

Event → state (only subscriptions to POLAR_PRODUCT_ID; the organization is the customer's external id):
- subscription.created/active/updated/canceled/uncanceled/revoked (and the other subscription.* events, which
  carry the same Subscription): active while its status is active or trialing and it has not ended; a cancellation
  at period end therefore keeps access until Polar revokes it. An inactive message about another subscription than
  the stored one does not end access (an old subscription ending after a new one started).
- customer.state_changed: Polar's full snapshot: active when one of `active_subscriptions` is for our product;
  also the period and the meters' running amount.
- order.paid: the order's subscription (status, period) when it is for our product.
- checkout.updated with status "succeeded": access starts at once if not already active (subscription.active
  with the period follows).
Messages older than the stored state (by the webhook's timestamp) are recorded but change nothing. An applied
message counts as a fresh state check: Polar is asked again only once BILLING_STATE_MAX_AGE_SECONDS pass without one.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from polar.base import deserialize
from polar.v2026_10.outputs import Checkout, Order, Subscription
from polar.v2026_10.webhooks import WebhookPayload
from polar.webhooks import (
    PolarWebhookError,
    PolarWebhookUnknownTypeError,
    PolarWebhookVerificationError,
    validate_event,
)
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from resonance.billing import state as states
from resonance.billing.models import SubscriptionState, WebhookReceipt
from resonance.billing.state import Snapshot
from resonance.billing.times import parse, utc
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.orgs.models import Organization
from resonance.orgs.scope import system_session

log = logging.getLogger("resonance.billing")

KEEP_RECEIPTS = timedelta(days=30)  # far longer than Polar keeps retrying a delivery


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str


# Every event type of API version 2026-10 (the SDK's own list): another type is acknowledged and ignored.
EVENT_TYPES = frozenset(typing.get_args(typing.get_type_hints(c)["type"])[0] for c in typing.get_args(WebhookPayload))
# The payload models of the events we act on. Checked one model per event rather than through the SDK's union of
# all 42 payloads, whose loader takes seconds to build on first use (Polar wants an answer within 2 s).
DATA_MODELS = {"subscription.": Subscription, "order.": Order, "checkout.": Checkout}


def receive(body: bytes, headers: Mapping[str, str]) -> Outcome:
    """Verify, deduplicate and apply one delivery; the outcome is the HTTP answer."""
    secret = get_settings().POLAR_WEBHOOK_SECRET
    if not secret:
        log.warning("Polar webhook refused: POLAR_WEBHOOK_SECRET is not set")
        return Outcome(403, "Webhook secret not configured")
    try:
        event = validate_event(body, dict(headers), secret, EVENT_TYPES, _load)
    except PolarWebhookVerificationError as error:
        return Outcome(403, f"Invalid signature: {error}")
    except PolarWebhookUnknownTypeError as error:
        return Outcome(202, f"Ignored: {error}")
    except PolarWebhookError as error:
        return Outcome(400, f"Invalid payload: {error}")
    webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
    # Any other failure (the database down, a concurrent first write of the same state row) propagates: the
    # route answers 500 and Polar delivers again later.
    with system_session() as session:
        try:
            session.add(WebhookReceipt(id=webhook_id[:128], type=event["type"], org_id=_org_of(event)))
            session.flush()  # a replayed webhook-id fails here, before anything is applied
        except IntegrityError:
            session.rollback()
            return Outcome(200, "Already received")
        handled = _apply(session, event)
        if handled:
            _mark_checked(session, _org_of(event), parse(event.get("timestamp")) or clock.now())
        session.exec(delete(WebhookReceipt).where(col(WebhookReceipt.received_at) < clock.now() - KEEP_RECEIPTS))
    return Outcome(200, "Applied") if handled else Outcome(202, "Ignored")


def _load(event: dict) -> dict:
    """Check the payload's shape against the SDK's model of its data; the event is then read as plain JSON.

    customer.state_changed is checked by hand: polar-sdk 1.0.2 expects "granted"/"disabled" as a subscription's
    status in customer state, where Polar sends "active"/"trialing" (see state.py).
    """
    kind, data = event.get("type"), event.get("data")
    if not isinstance(event.get("timestamp"), str) or not isinstance(data, dict):
        raise ValueError("timestamp and data are required")
    if kind == "customer.state_changed":
        subscriptions = data.get("active_subscriptions")
        if not isinstance(subscriptions, list) or not all(isinstance(s, dict) for s in subscriptions):
            raise ValueError("active_subscriptions must be a list")
    for prefix, model in DATA_MODELS.items():
        if kind.startswith(prefix):
            deserialize(data, model)
    return event


def warm() -> None:
    """Build the payload loaders now (about a second each on first use) rather than during Polar's first call."""
    for model in DATA_MODELS.values():
        try:
            deserialize({}, model)
        except Exception:  # noqa: BLE001 - an empty payload is refused; the loader is built and cached
            pass


def _org_of(event: dict) -> str | None:
    kind, data = event["type"], event.get("data") or {}
    if kind.startswith(("subscription.", "order.")):
        return (data.get("customer") or {}).get("external_id")
    if kind == "customer.state_changed":
        return data.get("external_id")
    if kind.startswith("checkout."):
        return data.get("external_customer_id")
    return None


def _apply(session: Session, event: dict) -> bool:
    kind, data = event["type"], event["data"]
    org_id, at = _org_of(event), parse(event.get("timestamp")) or clock.now()
    if not org_id or session.get(Organization, org_id) is None:
        return False
    if kind.startswith("subscription."):
        snapshot = states.from_subscription(data)
        if snapshot is None or _ends_another(session, org_id, snapshot):
            return False
        states.apply(session, org_id, snapshot, at=at)
        return True
    if kind == "customer.state_changed":
        states.apply(session, org_id, states.from_customer_state(data), at=at)
        return True
    if kind == "order.paid":
        snapshot = states.from_subscription(data.get("subscription") or {})
        if snapshot is None or _ends_another(session, org_id, snapshot):
            return False
        states.apply(session, org_id, snapshot, at=at)
        return True
    if kind == "checkout.updated":
        product = get_settings().POLAR_PRODUCT_ID
        ours = product == data.get("product_id") or any(p.get("id") == product for p in data.get("products") or [])
        current = session.get(SubscriptionState, org_id)
        if data.get("status") != "succeeded" or not ours or (current is not None and current.active):
            return False
        states.apply(session, org_id, Snapshot(active=True, subscription_id=data.get("subscription_id"),
                                               subscription_status="active"), at=at)
        return True
    return False


def _mark_checked(session: Session, org_id: str, at) -> None:
    """Polar just told us the state: as good as a customer-state call, so no call is needed before max age."""
    state = session.get(SubscriptionState, org_id)
    if state is not None and (state.checked_at is None or utc(state.checked_at) < at):
        state.checked_at = at
        session.add(state)


def _ends_another(session: Session, org_id: str, snapshot: Snapshot) -> bool:
    """An inactive message about a subscription other than the active one we hold (an older one ending)."""
    current = session.get(SubscriptionState, org_id)
    return (not snapshot.active and current is not None and current.active
            and current.subscription_id is not None and current.subscription_id != snapshot.subscription_id)
