"""Metering: usage records written with the result they bill, and the sender that delivers them to Polar.

A record is written in the same transaction as the generation's "done" status (or the new voice row), so a result
is never without its record and a failed result never has one. The sender delivers records in batches with the
SDK's event ingestion; our record id is Polar's `external_id`, so Polar drops a repeat. Until Polar accepts a batch
it is retried with exponential backoff (5 s doubling to 10 min); delivered records are never sent again.

Characters are counted as Unicode code points after trimming (`len(text.strip())` in Python), the same way the
5,000-character limit and the counter on the page count. Counting UTF-16 units (JavaScript's `length`) would bill
a character outside the Basic Multilingual Plane (most emoji, some CJK) twice; this bills it once, as people read it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from polar.base import PolarError
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from resonance.billing.client import billing_enabled, polar_client
from resonance.billing.models import UsageRecord
from resonance.billing.times import utc
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.jobs.loop import BackgroundLoop
from resonance.orgs.scope import system_session, tenant_session

log = logging.getLogger("resonance.billing")

UsageKind = Literal["tts_generation", "voice_creation"]
BATCH = 100
FIRST_RETRY_S, LAST_RETRY_S = 5, 600


def count_characters(text: str) -> int:
    """Billable characters: code points after trimming (see the module docstring)."""
    return len((text or "").strip())


def estimate_dollars(characters: int) -> Decimal:
    """Exact price of `characters` at BILLING_PRICE_PER_1000_CHARS (not rounded)."""
    return Decimal(characters) * get_settings().BILLING_PRICE_PER_1000_CHARS / 1000


def estimate_cents(characters: int) -> int:
    """Price of `characters` in whole cents, rounded half up."""
    return int((estimate_dollars(characters) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_cents_per_1000() -> int:
    return estimate_cents(1000)


def record_usage(session: Session, *, org_id: str, kind: UsageKind, characters: int,
                 source_id: str) -> UsageRecord | None:
    """Add a usage record to the caller's transaction; once per (kind, source_id), so a retried job records once.

    Nothing is recorded while billing is off: switching billing on later must not bill earlier work.
    """
    if not billing_enabled():
        return None
    existing = session.exec(
        select(UsageRecord).where(UsageRecord.kind == kind, UsageRecord.source_id == source_id)
    ).first()
    if existing is not None:
        return existing
    record = UsageRecord(org_id=org_id, kind=kind, characters=max(0, characters), source_id=source_id,
                         next_attempt_at=clock.now())
    session.add(record)
    return record


def period_characters(org_id: str, since: datetime) -> int:
    with tenant_session(org_id) as session:
        total = session.exec(
            select(func.coalesce(func.sum(UsageRecord.characters), 0))
            .where(UsageRecord.kind == "tts_generation", col(UsageRecord.created_at) >= since)
        ).one()
    return int(total or 0)


def daily_characters(org_id: str, days: int = 30) -> list[tuple[date, int]]:
    """Characters of speech per UTC day for the last `days` days (today included, oldest first, zeros included)."""
    today = clock.now().date()
    first = today - timedelta(days=max(1, days) - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    with tenant_session(org_id) as session:
        rows = session.exec(
            select(UsageRecord.created_at, UsageRecord.characters)
            .where(UsageRecord.kind == "tts_generation", col(UsageRecord.created_at) >= since)
        ).all()
    totals = {first + timedelta(days=i): 0 for i in range(max(1, days))}
    for created_at, characters in rows:
        day = utc(created_at).date()
        if day in totals:
            totals[day] += characters
    return sorted(totals.items())


# Delivery


def _event(record: UsageRecord) -> dict:
    metadata = {"characters": record.characters} if record.kind == "tts_generation" else {"voice_id": record.source_id}
    return {
        "name": record.kind,
        "external_customer_id": record.org_id,
        "external_id": record.id,
        "timestamp": utc(record.created_at).isoformat().replace("+00:00", "Z"),
        "metadata": metadata,
    }


def _due(limit: int) -> list[UsageRecord]:
    with system_session() as session:
        return list(session.exec(
            select(UsageRecord)
            .where(col(UsageRecord.delivered_at).is_(None), col(UsageRecord.next_attempt_at) <= clock.now())
            .order_by(col(UsageRecord.created_at), col(UsageRecord.id)).limit(limit)
        ))


def _mark_delivered(ids: Iterable[str]) -> None:
    with system_session() as session:
        session.exec(update(UsageRecord)
                     .where(col(UsageRecord.id).in_(list(ids)), col(UsageRecord.delivered_at).is_(None))
                     .values(delivered_at=clock.now(), last_error=""))


def _mark_failed(records: list[UsageRecord], error: Exception) -> None:
    now = clock.now()
    with system_session() as session:
        for record in records:
            row = session.get(UsageRecord, record.id)
            if row is None or row.delivered_at is not None:
                continue
            row.attempts += 1
            row.next_attempt_at = now + timedelta(seconds=min(LAST_RETRY_S, FIRST_RETRY_S * 2 ** (row.attempts - 1)))
            row.last_error = str(error)[:500]
            session.add(row)


def send_due(*, batch: int = BATCH) -> int:
    """Deliver every record that is due, a batch per call to Polar; returns how many Polar accepted.

    Stops at the first failure (the batch's records wait out their backoff). The call to Polar runs outside any
    transaction. Two senders running at once may send a batch twice: Polar drops the repeat by `external_id`.
    """
    if not billing_enabled():
        return 0
    delivered = 0
    while records := _due(batch):
        try:
            with polar_client() as polar:
                polar.events.ingest(events=[_event(r) for r in records])
        except (PolarError, OSError) as error:
            log.warning("usage delivery to Polar failed (%d events, retried later): %s", len(records), error)
            _mark_failed(records, error)
            break
        _mark_delivered(r.id for r in records)
        delivered += len(records)
        if len(records) < batch:
            break
    return delivered


class UsageSender(BackgroundLoop):
    """A daemon thread that runs `send_due` every BILLING_USAGE_SEND_SECONDS (started with the app)."""

    def __init__(self, interval_s: float | None = None) -> None:
        super().__init__("resonance-usage-sender", step=self._send,
                         interval=lambda: interval_s or get_settings().BILLING_USAGE_SEND_SECONDS)
        self.interval_s = interval_s

    def _send(self) -> bool:
        send_due()
        return False  # what was due is sent (or backed off); the next round is at the interval

