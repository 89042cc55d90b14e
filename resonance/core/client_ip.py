"""The client's address, for rate limits and the session list: the one rule for FastAPI routes and Reflex events.

Behind reverse proxies the peer is the nearest proxy, and the client's address is in X-Forwarded-For, to which each
proxy appends the address it received the request from. Everything left of what our own proxies appended was
written by the client and is ignored: with REFLEX_TRUSTED_PROXY_HOPS = n, the address is the n-th entry from the
right. With 0 (the default) the header is never read. A header shorter than n entries did not come through our
proxies, so the peer's address stands. Reflex resolves `router.session.client_ip` by the same rule (reflex/app.py).
"""

from __future__ import annotations

from resonance.core.config import get_settings


def client_ip(peer: str | None, forwarded_for: str | None) -> str:
    """The client's address from the connection's peer and the (comma-joined) X-Forwarded-For header."""
    hops = get_settings().TRUSTED_PROXY_HOPS
    if hops and forwarded_for:
        entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
        if len(entries) >= hops:
            return entries[-hops]
    return peer or ""
