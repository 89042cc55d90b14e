"""/dev/outbox state (development only): the emails the app has sent, with their links."""

import re
from dataclasses import dataclass

import reflex as rx

from resonance.core.config import get_settings
from resonance.mail import service as mail
from resonance.mail.status import delivery_line
from resonance.orgs.scope import system_session
from resonance.ui import formatting
from resonance.ui.states.auth import AuthState


@dataclass(frozen=True)
class EmailRow:
    id: str
    recipient: str  # not `to`: on the page, `row.to` is the row var's own method
    subject: str
    text: str
    when: str  # ISO UTC
    link: str  # the first link in the text; empty when none
    status: str
    delivery: str  # delivery_line


class OutboxState(AuthState):
    emails: list[EmailRow] = []

    @rx.event
    def load(self):
        if not get_settings().is_dev:
            self.emails = []
            return
        with system_session() as session:
            self.emails = [
                EmailRow(id=e.id, recipient=e.to, subject=e.subject, text=e.text,
                         when=formatting.iso(e.created_at), link=(re.findall(r"https?://\S+", e.text) or [""])[0],
                         status=e.status, delivery=delivery_line(e))
                for e in mail.recent(session=session)
            ]
