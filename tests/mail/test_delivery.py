"""The outbox delivers over SMTP to a real server (aiosmtpd): multipart messages with the right headers, retries
with backoff while the server is down, exactly one copy once it is back, and safe claiming by several deliverers."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta

import pytest

from resonance.jobs.runner import Runner
from resonance.mail import delivery, service, templates
from resonance.mail.models import FAILED, LOGGED, PENDING, SENDING, SENT, OutboxEmail
from resonance.orgs.scope import system_session
from tests.factories import all_rows, get

LINK = "http://localhost:3000/sign-in/link?token=tok123"

WAIT_S = 60  # deadlines only: each wait ends on its event


def queue(to: str = "ada@example.com", message: templates.Message | None = None) -> OutboxEmail:
    """As a service does: the row is written in the action's unit of work."""
    with system_session() as session:
        return service.send(session=session, to=to, message=message or templates.magic_link(LINK, 10))


def deliver_due() -> int:
    return Runner([delivery.MAIL_JOBS]).run_pending()


def test_without_smtp_the_dev_outbox_and_log_are_the_delivery(sqlite_db, clock, caplog):
    caplog.set_level(logging.INFO, logger="resonance.mail")
    row = queue()
    assert get(OutboxEmail, row.id).status == LOGGED
    assert delivery.claim_next() is None and deliver_due() == 0
    assert "Sign in: " + LINK in caplog.text  # the body is in the log, as before


def test_delivery_sends_a_multipart_message_with_the_right_headers(db, clock, smtp, smtp_settings, caplog):
    smtp_settings(smtp)
    caplog.set_level(logging.INFO, logger="resonance.mail")
    row = queue("Ada@Example.com", templates.invitation(org_name="Acme & <Co>", inviter="Eve", role="member",
                                                       link=LINK, days=7))
    assert LINK not in caplog.text  # with real delivery, links and codes stay out of the log
    assert get(OutboxEmail, row.id).status == PENDING
    assert deliver_due() == 1

    [received] = smtp.received
    assert received.mail_from == "no-reply@resonance.test" and received.rcpt_tos == ["Ada@Example.com"]
    message = received.message
    assert message["From"] == "Resonance <no-reply@resonance.test>" and message["To"] == "Ada@Example.com"
    assert message["Subject"] == "Eve invited you to Acme & <Co> on Resonance"
    assert message["Message-ID"] == f"<{row.id}@resonance.test>"
    assert message["Date"].datetime == row.created_at
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and "Accept invitation: " + LINK in text.get_content()
    assert html.get_content_type() == "text/html" and "Acme &amp; &lt;Co&gt;" in html.get_content()

    sent = get(OutboxEmail, row.id)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (SENT, 1, clock.now(), "")
    assert deliver_due() == 0 and len(smtp.received) == 1


def test_a_message_exists_only_if_its_action_committed(sqlite_db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    with pytest.raises(RuntimeError), system_session() as session:
        service.send(session=session, to="ada@example.com", message=templates.magic_link(LINK, 10))
        raise RuntimeError("the action failed after queueing its mail")
    assert all_rows(OutboxEmail) == [] and deliver_due() == 0 and smtp.received == []


def test_committing_a_send_wakes_the_deliverer_at_once(sqlite_db, smtp, smtp_settings, monkeypatch):
    smtp_settings(smtp)
    runner = Runner([delivery.MAIL_JOBS], idle_wait_s=600)  # left alone, it would not look again within the test
    monkeypatch.setattr(delivery, "mail_runner", lambda: runner)
    idle, step = threading.Event(), runner._step

    def observed() -> bool:
        busy = step()
        if not busy:
            idle.set()  # it found nothing and now waits for the interval or a wake-up
        return busy

    runner._step = observed
    runner.start()
    try:
        assert idle.wait(WAIT_S)
        queue()
        deadline = time.monotonic() + WAIT_S  # far within the runner's own interval: only a wake-up delivers
        while not smtp.received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert smtp.received, "the commit did not wake the deliverer"
    finally:
        runner.stop()


def test_the_app_lifespan_delivers_while_the_app_runs(sqlite_db, smtp, smtp_settings, monkeypatch):
    runner = Runner([delivery.MAIL_JOBS], idle_wait_s=delivery.POLL_S)
    monkeypatch.setattr(delivery, "mail_runner", lambda: runner)

    async def app_running() -> None:
        async with delivery.mail_delivery():  # what resonance.py registers as a lifespan task
            queue()
            for _ in range(200):
                if smtp.received:
                    break
                await asyncio.sleep(0.01)

    smtp_settings(smtp)
    asyncio.run(app_running())
    assert len(smtp.received) == 1
    assert runner._thread is not None and not runner._thread.is_alive()  # stopped with the app


def test_without_smtp_the_lifespan_starts_no_deliverer(sqlite_db, monkeypatch):
    runner = Runner([delivery.MAIL_JOBS])
    monkeypatch.setattr(delivery, "mail_runner", lambda: runner)

    async def app_running() -> None:
        async with delivery.mail_delivery():
            queue()

    asyncio.run(app_running())
    assert runner._thread is None and [r.status for r in all_rows(OutboxEmail)] == [LOGGED]


def test_server_down_keeps_the_message_and_retries_until_it_is_back(sqlite_db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    smtp.stop()
    row = queue()

    assert deliver_due() == 1
    failed = get(OutboxEmail, row.id)
    assert (failed.status, failed.attempts, failed.sent_at) == (PENDING, 1, None)
    assert "ConnectionRefusedError" in failed.last_error
    assert failed.next_attempt_at == clock.now() + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert deliver_due() == 0  # not due yet
    clock.advance(seconds=1)
    assert deliver_due() == 1
    failed = get(OutboxEmail, row.id)
    assert failed.attempts == 2 and failed.next_attempt_at == clock.now() + timedelta(seconds=60)

    smtp.start()
    clock.advance(seconds=60)
    assert deliver_due() == 1
    clock.advance(hours=2)
    assert deliver_due() == 0
    assert len(smtp.received) == 1 and smtp.received[0].message["Message-ID"] == f"<{row.id}@resonance.test>"
    sent = get(OutboxEmail, row.id)
    assert (sent.status, sent.attempts, sent.sent_at) == (SENT, 3, clock.now() - timedelta(hours=2))


def test_retry_schedule_doubles_from_30_seconds_to_an_hour_then_gives_up(sqlite_db, clock, smtp, smtp_settings):
    assert [delivery.retry_delay(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    smtp_settings(smtp)
    smtp.stop()
    row = queue()
    waited = timedelta()
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        assert deliver_due() == 1
        current = get(OutboxEmail, row.id)
        assert current.attempts == attempt
        if attempt < delivery.MAX_ATTEMPTS:
            assert current.status == PENDING
            wait = current.next_attempt_at - clock.now()
            assert wait == delivery.retry_delay(attempt)
            waited += wait
            clock.advance(seconds=wait.total_seconds())
    final = get(OutboxEmail, row.id)
    assert (final.status, final.next_attempt_at) == (FAILED, None) and "ConnectionRefusedError" in final.last_error
    assert timedelta(hours=22) < waited < timedelta(hours=24)  # about a day of trying
    smtp.start()
    clock.advance(days=2)
    assert deliver_due() == 0 and smtp.received == []


def test_a_recipient_refused_for_good_is_not_retried(sqlite_db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    smtp.capture.refuse.add("nobody@example.com")
    row = queue("nobody@example.com")
    assert deliver_due() == 1
    failed = get(OutboxEmail, row.id)
    assert (failed.status, failed.attempts) == (FAILED, 1) and "550" in failed.last_error
    clock.advance(hours=1)
    assert deliver_due() == 0 and smtp.received == []


def test_a_claim_is_a_lease_that_lapses_if_its_deliverer_died(sqlite_db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    row = queue()
    assert delivery.claim_next() == row.id  # a deliverer claims it ... and its process dies before sending
    assert get(OutboxEmail, row.id).status == SENDING
    assert delivery.claim_next() is None  # a live claim is never taken over
    clock.advance(seconds=delivery.lease().total_seconds() - 1)
    assert delivery.claim_next() is None
    clock.advance(seconds=1)
    assert deliver_due() == 1
    sent = get(OutboxEmail, row.id)
    assert (sent.status, sent.attempts) == (SENT, 2) and len(smtp.received) == 1


def test_several_deliverers_never_send_one_message_twice(db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    rows = [queue(f"person{i}@example.com") for i in range(24)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliverer():
        try:
            start.wait()
            deliver_due()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = sorted(r.message["Message-ID"] for r in smtp.received)
    assert ids == sorted(f"<{row.id}@resonance.test>" for row in rows)  # each exactly once
    assert {(r.status, r.attempts) for r in all_rows(OutboxEmail)} == {(SENT, 1)}
