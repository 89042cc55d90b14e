"""The "This wasn't me" page of a security email: it names the account and asks for a click; only the click uses the
link (identity/not_me.py), so mail scanners that open links change nothing."""

from __future__ import annotations

import reflex as rx

from resonance.core.errors import ResonanceError
from resonance.identity import not_me, tokens
from resonance.orgs.scope import system_session
from resonance.ui.offload import in_system_session
from resonance.ui.states.auth import AuthState

DONE = ("Your account is signed out everywhere, this browser included, and its password, passkeys and two-step "
        "verification are removed. We emailed {email} a link to choose a new password: use it to sign in again, "
        "then set up two-step verification anew.")


class NotMeState(AuthState):
    email: str = ""
    error: str = ""
    done: str = ""
    busy: bool = False

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    @rx.event
    def on_load(self):
        self.email, self.error, self.done, self.busy = "", "", "", False
        with system_session() as session:
            user = not_me.peek(session=session, token=self._token())
            if user is None:
                self.error = tokens.EXPIRED
                return
            self.email = user.email or user.name

    @rx.event
    async def secure(self):
        self.error, self.busy = "", True
        ip, agent = self._client()
        try:
            user = await in_system_session(not_me.secure, token=self._token(), ip=ip, user_agent=agent)
        except ResonanceError as error:
            self.error, self.busy = str(error), False
            return
        self.busy, self.done = False, DONE.format(email=user.email or "your address")
