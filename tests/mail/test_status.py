"""/dev/outbox says how each message's delivery went, in words, from the real rows the deliverer leaves."""

from __future__ import annotations

from resonance.jobs.runner import Runner
from resonance.mail import delivery, service, templates
from resonance.mail.models import OutboxEmail
from resonance.mail.status import delivery_line
from resonance.orgs.scope import system_session
from tests.factories import get


def queue() -> OutboxEmail:
    with system_session() as session:
        return service.send(session=session, to="ada@example.com", message=templates.magic_link("http://x/y", 10))


def test_delivery_lines_follow_the_row(sqlite_db, clock, smtp, smtp_settings):
    logged = queue()
    assert delivery_line(get(OutboxEmail, logged.id)).startswith("Not sent: no SMTP server is configured")

    smtp_settings(smtp)
    row = queue()
    assert delivery_line(get(OutboxEmail, row.id)) == "Waiting for the first delivery attempt."
    smtp.stop()
    Runner([delivery.MAIL_JOBS]).run_pending()
    line = delivery_line(get(OutboxEmail, row.id))
    assert line.startswith(f"Attempt 1 of {delivery.MAX_ATTEMPTS} failed: ConnectionRefusedError")
    assert line.endswith(f"Next attempt {(clock.now() + delivery.retry_delay(1)):%Y-%m-%d %H:%M:%S} UTC.")

    smtp.start()
    clock.advance(seconds=30)
    Runner([delivery.MAIL_JOBS]).run_pending()
    assert delivery_line(get(OutboxEmail, row.id)) == f"Sent {clock.now():%Y-%m-%d %H:%M:%S} UTC (attempt 2)."
