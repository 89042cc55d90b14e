"""Billing per organization with Polar: subscription state, checkout and portal, gating, webhooks, metering.

The organization id is Polar's external customer id, so no customer table of ours is needed. `service` is the
façade the rest of the app uses; the other modules each hold one concern (client, models, state, checkout, usage,
webhooks). Billing is off while POLAR_ACCESS_TOKEN is empty: nothing is gated and nothing is recorded.
"""
