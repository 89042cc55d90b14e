"""Queue a message: it is written to the outbox in the caller's transaction, so it exists exactly when the action
that sent it does. With SMTP configured the deliverer (delivery.py) sends it once that transaction commits; with
none, the dev outbox page and the log are the delivery."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlmodel import Session, col, select

from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.mail.delivery import nudge
from resonance.mail.models import LOGGED, PENDING, OutboxEmail
from resonance.mail.templates import Message

log = logging.getLogger("resonance.mail")


def send(*, session: Session, to: str, message: Message) -> OutboxEmail:
    if not get_settings().smtp_enabled:
        email = OutboxEmail(to=to, subject=message.subject, text=message.text, html=message.html, status=LOGGED)
        session.add(email)
        log.info("mail to %s: %s\n%s", to, message.subject, message.text)
        return email
    email = OutboxEmail(to=to, subject=message.subject, text=message.text, html=message.html, status=PENDING,
                        next_attempt_at=clock.now())
    session.add(email)
    # The body holds codes and sign-in links: with real delivery it stays out of the log.
    log.info("mail %s to %s queued: %s", email.id, to, message.subject)
    event.listen(session, "after_commit", lambda _session: nudge(), once=True)
    return email


def recent(*, session: Session, limit: int = 50) -> list[OutboxEmail]:
    """Newest messages first (the dev outbox page)."""
    return list(session.exec(select(OutboxEmail).order_by(col(OutboxEmail.created_at).desc()).limit(limit)))
