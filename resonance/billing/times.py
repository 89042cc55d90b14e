"""Datetimes between Polar (ISO 8601 strings) and the database (naive on SQLite, UTC everywhere)."""

from __future__ import annotations

from datetime import datetime

from resonance.core.clock import as_utc


def utc(moment: datetime | None) -> datetime | None:
    """Timezone-aware UTC; a naive value (as SQLite returns it) is taken as UTC."""
    return None if moment is None else as_utc(moment)


def parse(value: str | None) -> datetime | None:
    """Polar's timestamps ("2026-11-26T09:00:00Z", with or without fractions)."""
    if not value:
        return None
    return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
