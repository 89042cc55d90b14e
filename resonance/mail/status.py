"""A row's delivery state in words (the dev outbox page)."""

from __future__ import annotations

from resonance.mail.delivery import MAX_ATTEMPTS
from resonance.mail.models import FAILED, LOGGED, PENDING, SENDING, SENT, OutboxEmail

LABELS = {LOGGED: "dev outbox", PENDING: "pending", SENDING: "sending", SENT: "sent", FAILED: "failed"}


def _time(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "?"


def delivery_line(email: OutboxEmail) -> str:
    if email.status == LOGGED:
        return "Not sent: no SMTP server is configured (this page and the log are the delivery)."
    if email.status == SENT:
        return f"Sent {_time(email.sent_at)} (attempt {email.attempts})."
    if email.status == SENDING:
        return f"Sending now (attempt {email.attempts} of {MAX_ATTEMPTS})."
    if email.status == FAILED:
        return f"Gave up after {email.attempts} attempt(s): {email.last_error}"
    if email.attempts == 0:
        return "Waiting for the first delivery attempt."
    return (f"Attempt {email.attempts} of {MAX_ATTEMPTS} failed: {email.last_error}. "
            f"Next attempt {_time(email.next_attempt_at)}.")
