"""Datetimes between Polar (ISO 8601 strings) and the database (naive on SQLite, UTC everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime | None) -> datetime | None:
    """Timezone-aware UTC; a naive value (as SQLite returns it) is taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse(value: str | None) -> datetime | None:
    """Polar's timestamps ("2026-11-26T09:00:00Z", with or without fractions)."""
    if not value:
        return None
    return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
