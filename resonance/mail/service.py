"""Queue a message: it is written to the outbox in the caller's transaction, so it exists exactly when the action
that sent it does. With SMTP configured the deliverer (delivery.py) sends it once that transaction commits; with
none, the dev outbox page and (in development) the log are the delivery."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlmodel import Session, col, select

from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.redaction import DEV_OUTBOX
from resonance.mail.delivery import nudge
from resonance.mail.models import LOGGED, PENDING, OutboxEmail
from resonance.mail.templates import Message

log = logging.getLogger("resonance.mail")
# Development only: the whole message, as the dev outbox's companion (the redacting filter lets this logger through
# only when RESONANCE_ENV=development).
dev_log = logging.getLogger(DEV_OUTBOX)


def send(*, session: Session, to: str, message: Message) -> OutboxEmail:
    # Subjects and bodies hold codes and sign-in links (the verification subject starts with its code): the log
    # names the recipient and the template only, except for development's outbox companion.
    template = message.template or "message"
    settings = get_settings()
    if not settings.smtp_enabled:
        email = OutboxEmail(to=to, subject=message.subject, text=message.text, html=message.html, status=LOGGED)
        session.add(email)
        if settings.is_dev:
            dev_log.info("mail to %s (%s): %s\n%s", to, template, message.subject, message.text)
        else:
            log.warning("mail %s to %s (%s) not delivered: RESONANCE_SMTP_HOST is not set", email.id, to, template)
        return email
    email = OutboxEmail(to=to, subject=message.subject, text=message.text, html=message.html, status=PENDING,
                        next_attempt_at=clock.now())
    session.add(email)
    log.info("mail %s to %s queued (%s)", email.id, to, template)
    event.listen(session, "after_commit", lambda _session: nudge(), once=True)
    return email


def recent(*, session: Session, limit: int = 50) -> list[OutboxEmail]:
    """Newest messages first (the dev outbox page)."""
    return list(session.exec(select(OutboxEmail).order_by(col(OutboxEmail.created_at).desc()).limit(limit)))
