"""The deliverer: a job kind that claims due outbox rows and sends them over SMTP, retrying with backoff.

Retry schedule: after the n-th failed attempt the next one is due 30 s × 2^(n-1) later, capped at one hour
(30 s, 1, 2, 4, 8, 16, 32 min, then hourly); after MAX_ATTEMPTS attempts (about 23 hours of trying) the row is
'failed'. A recipient the server refuses permanently (5xx) fails at once: retrying cannot help.

Claiming is a conditional UPDATE on the status column, as jobs/rows.py does, so deliverers in several processes
never both send one row. A claim is a lease: `next_attempt_at` moves to the lease's end, and a row whose sender
died mid-send becomes claimable again when it lapses (no start-up recovery that could steal a live claim).

The deliverer runs on a runner of its own (one thread per app process) so a verification code never waits behind
a long speech job; `service.send` nudges it when the sending transaction commits, and it polls every second.
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import update
from sqlmodel import col, select

from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.jobs.kinds import JobKind
from resonance.jobs.runner import Runner
from resonance.mail import smtp
from resonance.mail.models import FAILED, PENDING, SENDING, SENT, OutboxEmail
from resonance.orgs.scope import system_session

log = logging.getLogger("resonance.mail")

FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
MAX_ATTEMPTS = 30
POLL_S = 1.0


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** (attempts - 1), MAX_RETRY_S))


def lease() -> timedelta:
    # Far longer than one send can take (each SMTP step is bounded by the timeout), so a live claim never lapses.
    return timedelta(seconds=max(120.0, 10 * get_settings().SMTP_TIMEOUT_SECONDS))


def claim_next() -> str | None:
    """Claim the most overdue row (pending and due, or sending with a lapsed lease); its id, or None."""
    now = clock.now()
    due = (col(OutboxEmail.status).in_([PENDING, SENDING]), col(OutboxEmail.next_attempt_at) <= now)
    with system_session() as session:
        candidates = session.exec(
            select(OutboxEmail.id).where(*due).order_by(col(OutboxEmail.next_attempt_at)).limit(5)
        ).all()
    for email_id in candidates:
        # Each claim in a transaction of its own that starts with the write (SQLite then waits for the lock
        # instead of failing to upgrade a stale read).
        with system_session() as session:
            claimed = session.exec(
                update(OutboxEmail).where(col(OutboxEmail.id) == email_id, *due)
                .values(status=SENDING, attempts=OutboxEmail.attempts + 1, next_attempt_at=now + lease())
            ).rowcount
        if claimed:
            return email_id
    return None


def run(email_id: str) -> None:
    """Send one claimed row; mark it sent, or record the error and schedule the next attempt."""
    settings = get_settings()
    with system_session() as session:
        row = session.get(OutboxEmail, email_id)
    if row is None or row.status != SENDING:
        return
    try:
        smtp.deliver(smtp.build(row, settings), settings)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row and retried
        _failed(row, error)
        return
    _finish(row, status=SENT, sent_at=clock.now(), next_attempt_at=None, last_error="")
    log.info("mail %s to %s sent (attempt %d)", row.id, row.to, row.attempts)


def _failed(row: OutboxEmail, error: Exception) -> None:
    reason = f"{type(error).__name__}: {error}"[:500]
    if _permanent(error) or row.attempts >= MAX_ATTEMPTS:
        _finish(row, status=FAILED, next_attempt_at=None, last_error=reason)
        log.error("mail %s to %s failed for good after %d attempt(s): %s", row.id, row.to, row.attempts, reason)
        return
    delay = retry_delay(row.attempts)
    _finish(row, status=PENDING, next_attempt_at=clock.now() + delay, last_error=reason)
    log.warning("mail %s to %s: attempt %d failed (%s); next in %s", row.id, row.to, row.attempts, reason, delay)


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return False


def _finish(row: OutboxEmail, **values) -> None:
    with system_session() as session:
        session.exec(update(OutboxEmail).where(col(OutboxEmail.id) == row.id, col(OutboxEmail.status) == SENDING)
                     .values(**values))


MAIL_JOBS = JobKind(name="mail", recover=lambda: 0, claim_next=claim_next, run=run)


@lru_cache
def mail_runner() -> Runner:
    return Runner([MAIL_JOBS], idle_wait_s=POLL_S)


def nudge() -> None:
    """A message was committed to the outbox: deliver now rather than at the next poll."""
    mail_runner().notify()


@asynccontextmanager
async def mail_delivery():
    """App lifespan task: with SMTP configured, this process delivers the outbox until it stops."""
    if not get_settings().smtp_enabled:
        yield
        return
    runner = mail_runner()
    runner.start()
    try:
        yield
    finally:
        runner.stop()
