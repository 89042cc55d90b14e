"""Billing's background work in the app process: the usage sender, and the webhook payload loaders built ahead."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from resonance.billing import webhooks
from resonance.billing.client import billing_enabled
from resonance.billing.usage import UsageSender


@asynccontextmanager
async def billing_background():
    """App lifespan task: with billing on, deliver usage records to Polar until the app stops."""
    if not billing_enabled():
        yield
        return
    threading.Thread(target=webhooks.warm, name="polar-webhook-warmup", daemon=True).start()
    sender = UsageSender()
    sender.start()
    try:
        yield
    finally:
        sender.stop()
