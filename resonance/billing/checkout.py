"""Checkout and customer portal: Polar sessions started by an organization's Admins."""

from __future__ import annotations

import logging

from polar.base import PolarError

from resonance.billing.client import billing_enabled, polar_client
from resonance.core.config import get_settings
from resonance.core.errors import ResonanceError
from resonance.orgs.principal import Principal, require_admin

log = logging.getLogger("resonance.billing")

BILLING_PATH = "/settings/billing"


def _require_billing() -> None:
    if not billing_enabled():
        raise ResonanceError("Billing is not configured.")


def start_checkout(actor: Principal) -> str:
    """A Polar checkout for the metered product; the organization id becomes the customer's external id."""
    actor = require_admin(actor)
    _require_billing()
    settings = get_settings()
    try:
        with polar_client() as polar:
            checkout = polar.checkouts.create(
                products=[settings.POLAR_PRODUCT_ID],
                external_customer_id=actor.org_id,
                customer_email=actor.email,
                customer_name=actor.org_name or None,
                success_url=f"{settings.APP_URL}{BILLING_PATH}?checkout_id={{CHECKOUT_ID}}",
                return_url=f"{settings.APP_URL}{BILLING_PATH}",
            )
    except (PolarError, OSError) as error:
        log.warning("Polar checkout for %s failed: %s", actor.org_id, error)
        raise ResonanceError("Could not start checkout. Try again.") from None
    return checkout.url


def start_portal(actor: Principal) -> str:
    """A fresh customer-portal link (Polar's sessions are short-lived: made at the moment of the click)."""
    actor = require_admin(actor)
    _require_billing()
    try:
        with polar_client() as polar:
            session = polar.customer_sessions.create(
                external_customer_id=actor.org_id, return_url=f"{get_settings().APP_URL}{BILLING_PATH}",
            )
    except (PolarError, OSError) as error:
        log.warning("Polar customer session for %s failed: %s", actor.org_id, error)
        raise ResonanceError("Could not open the billing portal. Try again.") from None
    return session.customer_portal_url
