"""/dev/outbox state (development only): the emails the app has sent, with their links."""

import re

import reflex as rx

from resonance.core.config import get_settings
from resonance.mail import service as mail
from resonance.mail.status import delivery_line
from resonance.orgs.scope import system_session
from resonance.ui import formatting
from resonance.ui.states.auth import AuthState


class OutboxState(AuthState):
    emails: list[dict[str, str]] = []

    @rx.event
    def load(self):
        if not get_settings().is_dev:
            self.emails = []
            return
        with system_session() as session:
            self.emails = [
                {"id": e.id, "to": e.to, "subject": e.subject, "text": e.text,
                 "when": formatting.iso(e.created_at),
                 "link": (re.findall(r"https?://\S+", e.text) or [""])[0],
                 "status": e.status, "delivery": delivery_line(e)}
                for e in mail.recent(session=session)
            ]
