"""The second step of signing in: a code from the authenticator app or a backup code. The account is named only by
the signed challenge in the HttpOnly cookie the first step set (read from the websocket handshake); no session
exists until the code is right."""

from __future__ import annotations

import reflex as rx

from resonance.api.routes.auth import SECOND_FACTOR_COOKIE
from resonance.core import ratelimit
from resonance.core.errors import ResonanceError
from resonance.identity import mfa, security_events
from resonance.identity.models import User
from resonance.orgs.scope import system_session
from resonance.ui.states.auth import AuthState
from resonance.ui.states.sign_in import open_session

EXPIRED = "That sign-in took too long. Please sign in again."


class SecondFactorState(AuthState):
    error: str = ""
    expired: bool = False
    busy: bool = False

    def _challenge(self) -> tuple[str, str] | None:
        return mfa.read_challenge(self._cookie(SECOND_FACTOR_COOKIE))

    @rx.event
    def on_load(self):
        self.busy = False
        self.expired = self._challenge() is None
        self.error = EXPIRED if self.expired else ""

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        found = self._challenge()
        if found is None:
            self.expired, self.error = True, EXPIRED
            return
        user_id, next_path = found
        ip, agent = self._client()
        try:
            ratelimit.hit(ratelimit.SIGN_IN, ip or "?")
            with system_session() as session:
                right = mfa.verify_counted(session=session, user_id=user_id, code=str(form.get("code", "")),
                                           ip=ip, user_agent=agent)
                user = session.get(User, user_id)
        except ResonanceError as error:
            self.error = str(error)
            return
        if not right or user is None:
            self.error = mfa.WRONG
            return
        self.busy = True
        return open_session(user, ip=ip, user_agent=agent, next_path=next_path, method=security_events.TWO_STEP)
