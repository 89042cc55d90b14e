"""The Polar client (polar-sdk 1.x, API version 2026-10), built from the settings."""

from __future__ import annotations

from polar.v2026_10 import Polar

from resonance.core.config import get_settings


def billing_enabled() -> bool:
    """Billing is on exactly when an access token is configured."""
    return bool(get_settings().POLAR_ACCESS_TOKEN)


def polar_client() -> Polar:
    """A client for one call or one batch; POLAR_SERVER_URL (tests, self-hosted proxies) overrides the host.

    The timeout is short on purpose: a slow Polar must not hold a page or a generation; callers fall back to
    the last known state or retry later.
    """
    settings = get_settings()
    return Polar(
        settings.POLAR_ACCESS_TOKEN,
        environment=settings.POLAR_ENVIRONMENT,
        base_url=settings.POLAR_SERVER_URL or None,
        timeout=settings.POLAR_TIMEOUT_SECONDS,
    )
