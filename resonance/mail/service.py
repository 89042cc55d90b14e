"""Queue a message: it is written to the outbox in the caller's transaction, so it exists exactly when the action
that sent it does. With no SMTP configured the dev outbox page and the log are the delivery."""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from resonance.mail.models import OutboxEmail
from resonance.mail.templates import Message

log = logging.getLogger("resonance.mail")


def send(*, session: Session, to: str, message: Message) -> OutboxEmail:
    email = OutboxEmail(to=to, subject=message.subject, text=message.text, html=message.html)
    session.add(email)
    log.info("mail to %s: %s\n%s", to, message.subject, message.text)
    return email


def recent(*, session: Session, limit: int = 50) -> list[OutboxEmail]:
    """Newest messages first (the dev outbox page)."""
    return list(session.exec(select(OutboxEmail).order_by(col(OutboxEmail.created_at).desc()).limit(limit)))
