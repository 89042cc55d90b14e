"""Prefixed random ids (`org_…`, `usr_…`): readable in logs and URLs, unguessable, sortable enough by creation."""

import secrets

from resonance.core.clock import clock


def new_id(prefix: str) -> str:
    # 6 hex chars of time keep ids roughly ordered; 16 random bytes keep them unguessable.
    stamp = format(int(clock.now().timestamp()) & 0xFFFFFF, "06x")
    return f"{prefix}_{stamp}{secrets.token_hex(10)}"


def utcnow():
    """Column default: the shared clock's now, so frozen-clock tests see consistent timestamps."""
    return clock.now()
