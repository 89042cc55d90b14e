"""One clock for every expiry and lockout, so tests can freeze and advance time (like Django's `_now()`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock UTC time unless frozen by a test."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        return self._frozen or datetime.now(UTC)

    def freeze(self, at: datetime | None = None) -> None:
        self._frozen = (at or datetime.now(UTC)).replace(microsecond=0)

    def advance(self, **delta: float) -> None:
        if self._frozen is None:
            raise RuntimeError("advance() needs a frozen clock")
        self._frozen += timedelta(**delta)

    def unfreeze(self) -> None:
        self._frozen = None


clock = Clock()


def as_utc(moment: datetime) -> datetime:
    """Timezone-aware UTC. Every stored time is written in UTC, but the columns keep no zone, so the database hands
    them back naive: this is the one place that says so."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
