"""Metering: characters counted, usage records written once, delivered to Polar exactly once through failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from resonance.billing import service, usage
from resonance.billing.lifespan import billing_background
from resonance.billing.models import UsageRecord
from resonance.orgs.scope import tenant_session
from tests.billing.conftest import TIMEOUT_S
from tests.factories import all_rows, get

INGEST = "/v1/events/ingest"


def record(org, source_id: str, characters: int = 100, kind: str = "tts_generation") -> UsageRecord | None:
    with tenant_session(org.id) as session:
        return service.record_usage(session, org_id=org.id, kind=kind, characters=characters, source_id=source_id)


@pytest.mark.parametrize(("text", "count"), [
    ("  Hello there.  \n", 12), ("", 0), ("   ", 0),
    ("héllo", 5),  # one code point per accented letter (NFC)
    ("🎙️ on air 🎧", 11),  # each emoji one character (the original's UTF-16 length would be 13)
])
def test_characters_are_code_points_after_trimming(text, count):
    assert service.count_characters(text) == count


def test_estimates_round_half_up_to_cents(configure):
    configure(BILLING_PRICE_PER_1000_CHARS="0.30")
    assert [service.estimate_cents(n) for n in (0, 16, 17, 1000, 4999)] == [0, 0, 1, 30, 150]
    assert service.estimate_dollars(100) == Decimal("0.03") and service.estimate_dollars(1) == Decimal("0.0003")


def test_a_usage_record_is_written_once_per_source(billing, team):
    org, _, _ = team
    first = record(org, "gen_1", 120)
    again = record(org, "gen_1", 120)  # a retried job
    assert again.id == first.id and len(all_rows(UsageRecord)) == 1
    record(org, "gen_1", 0, kind="voice_creation")  # another kind, same id: its own record
    assert len(all_rows(UsageRecord)) == 2


def test_nothing_is_recorded_while_billing_is_off(configure, sqlite_team):
    configure(POLAR_ACCESS_TOKEN=None)
    org, _, _ = sqlite_team
    assert record(org, "gen_1") is None and all_rows(UsageRecord) == []


def test_daily_characters_has_one_entry_per_day_with_zeros(billing, team, clock):
    org, _, _ = team
    record(org, "gen_old", 50)
    clock.advance(days=2)
    record(org, "gen_a", 100)
    record(org, "gen_b", 25)
    record(org, "voice_1", 0, kind="voice_creation")
    days = service.daily_characters(org.id, days=5)
    today = clock.now().date()
    assert [d for d, _ in days] == [today - timedelta(days=i) for i in range(4, -1, -1)]
    assert [n for _, n in days] == [0, 0, 50, 0, 125]


def test_the_sender_delivers_events_as_polar_documents_them(billing, team):
    org, _, _ = team
    billing.subscribe(org.id)
    tts = record(org, "gen_1", 321)
    voice = record(org, "voice_1", 0, kind="voice_creation")
    assert usage.send_due() == 2
    [call] = billing.requests("POST", INGEST)
    assert call.json == {"events": [
        {"name": "tts_generation", "external_customer_id": org.id, "external_id": tts.id,
         "timestamp": tts.created_at.isoformat().replace("+00:00", "Z"), "metadata": {"characters": 321}},
        {"name": "voice_creation", "external_customer_id": org.id, "external_id": voice.id,
         "timestamp": voice.created_at.isoformat().replace("+00:00", "Z"), "metadata": {"voice_id": "voice_1"}},
    ]}
    assert all(row.delivered_at is not None for row in all_rows(UsageRecord))
    assert usage.send_due() == 0 and len(billing.requests("POST", INGEST)) == 1  # delivered ones are not sent again
    assert billing.customer_state(org.id)["active_subscriptions"][0]["meters"][0]["amount"] == 10  # 321 × 0.03¢


def test_polar_failing_then_recovering_gets_every_event_exactly_once(billing, team, clock):
    org, _, _ = team
    ids = [record(org, f"gen_{i}", 10 * (i + 1)).id for i in range(3)]
    billing.fail(INGEST, times=2, status=500)
    assert usage.send_due() == 0
    row = get(UsageRecord, ids[0])
    assert (row.attempts, row.delivered_at, row.next_attempt_at) == (1, None, clock.now() + timedelta(seconds=5))
    assert "500" in row.last_error
    assert usage.send_due() == 0 and len(billing.requests("POST", INGEST)) == 1  # waiting out the backoff
    clock.advance(seconds=5)
    assert usage.send_due() == 0  # the second 500
    assert get(UsageRecord, ids[0]).next_attempt_at == clock.now() + timedelta(seconds=10)
    clock.advance(seconds=10)
    record(org, "gen_new", 7)  # written during the outage: goes with the next batch
    assert usage.send_due() == 4
    assert sorted(e["external_id"] for e in billing.events()) == sorted([*ids, get_new(org).id])
    assert len(billing.requests("POST", INGEST)) == 3
    assert usage.send_due() == 0 and len(billing.requests("POST", INGEST)) == 3


def get_new(org) -> UsageRecord:
    [row] = all_rows(UsageRecord, source_id="gen_new")
    return row


def test_a_timeout_is_retried_and_polar_drops_the_repeat(billing, sqlite_team, clock):
    """Polar may have stored a batch whose answer never arrived: the retry carries the same external ids."""
    org, _, _ = sqlite_team
    first = record(org, "gen_1", 40)
    billing.stall(INGEST, seconds=TIMEOUT_S * 2)
    assert usage.send_due() == 0
    assert get(UsageRecord, first.id).delivered_at is None and "timed out" in get(UsageRecord, first.id).last_error
    clock.advance(seconds=5)
    assert usage.send_due() == 1
    sent = [e["external_id"] for call in billing.requests("POST", INGEST) for e in call.json["events"]]
    assert sent == [first.id, first.id]  # sent twice ...
    assert [e["external_id"] for e in billing.events()] == [first.id]  # ... stored by Polar once


def test_batches_are_limited_and_all_are_sent(billing, sqlite_team):
    org, _, _ = sqlite_team
    for i in range(5):
        record(org, f"gen_{i}", 1)
    assert usage.send_due(batch=2) == 5
    assert [len(call.json["events"]) for call in billing.requests("POST", INGEST)] == [2, 2, 1]


def test_the_app_delivers_usage_in_the_background_while_it_runs(billing, sqlite_team, configure):
    configure(BILLING_USAGE_SEND_SECONDS="0.05")
    org, _, _ = sqlite_team
    record(org, "gen_1", 10)

    async def app_running():
        async with billing_background():  # the app's lifespan task
            for _ in range(100):
                if billing.events():
                    return
                await asyncio.sleep(0.05)

    asyncio.run(app_running())
    assert [e["metadata"] for e in billing.events()] == [{"characters": 10}]
    assert all_rows(UsageRecord)[0].delivered_at is not None
