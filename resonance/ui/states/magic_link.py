"""The emailed sign-in link's landing page: it names the account and asks for a click. Only that click (a form POST
to /api/auth/magic/{token}) uses the link up, so mail scanners that open links do not."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from resonance.core.config import get_settings
from resonance.identity import magic_links
from resonance.identity.models import User
from resonance.identity.oauth.errors import MESSAGES
from resonance.orgs.scope import system_session
from resonance.ui.states.auth import AuthState


class MagicLinkState(AuthState):
    email: str = ""
    action: str = ""  # where the form posts: the backend route that signs in
    error: str = ""

    @rx.event
    def on_load(self):
        token = self.router.url.query_parameters.get("token", "")
        self.email, self.action, self.error = "", "", ""
        with system_session() as session:
            row = magic_links.peek(session=session, token=token) if token else None
            user = session.get(User, row.user_id) if row is not None else None
            if user is None:
                self.error = MESSAGES["link_expired"]
                return
            self.email = user.email
        self.action = f"{get_settings().API_URL}/api/auth/magic/{quote(token, safe='')}"
