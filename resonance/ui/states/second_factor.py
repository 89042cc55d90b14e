"""The second step of signing in: a code from the authenticator app, a backup code, or one of the account's passkeys.
The account is named only by the signed challenge in the HttpOnly cookie the first step set (read from the websocket
handshake); no session exists until the code or passkey is right."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from resonance.core import ratelimit
from resonance.core.errors import ResonanceError
from resonance.identity import mfa, passkeys, security_events
from resonance.identity.models import User
from resonance.orgs.scope import system_session
from resonance.ui.browser import passkey_answer
from resonance.ui.states.auth import AuthState
from resonance.ui.states.sign_in import ask_for_passkey, open_session

EXPIRED = "That sign-in took too long. Please sign in again."


class SecondFactorState(AuthState):
    error: str = ""
    expired: bool = False
    busy: bool = False
    has_code: bool = True  # the account has an authenticator app (and backup codes)
    has_passkey: bool = False
    _passkey_ceremony: str = ""  # the pending passkey challenge of this page (backend only)

    def _challenge(self) -> tuple[str, str] | None:
        return mfa.read_challenge(self._cookie(mfa.CHALLENGE_COOKIE))

    @rx.event
    def on_load(self):
        self.busy, self._passkey_ceremony = False, ""
        found = self._challenge()
        self.expired = found is None
        self.error = EXPIRED if self.expired else ""
        if found is not None:
            with system_session() as session:
                self.has_code = mfa.totp_on(session=session, user_id=found[0])
                self.has_passkey = passkeys.has_passkey(session=session, user_id=found[0])

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        code = str(form.get("code", ""))

        def check(session, user_id: str) -> User | None:
            ip, agent = self._client()
            ratelimit.hit(ratelimit.SIGN_IN, ip or "?")
            right = mfa.verify_counted(session=session, user_id=user_id, code=code, ip=ip, user_agent=agent)
            return session.get(User, user_id) if right else None

        return self._finish(check)

    @rx.event
    def start_passkey(self):
        self.error = ""
        found = self._challenge()
        if found is None:
            self.expired, self.error = True, EXPIRED
            return
        return ask_for_passkey(self, lambda session: passkeys.second_factor_options(session=session, user_id=found[0]),
                               SecondFactorState.passkey_done)

    @rx.event
    def passkey_done(self, result: dict | None):
        if (answer := passkey_answer(self, result)) is None:
            return
        ceremony_id, credential = answer
        return self._finish(lambda session, user_id: passkeys.second_factor(
            session=session, ceremony_id=ceremony_id, credential=credential, user_id=user_id))

    def _finish(self, check: Callable[[Session, str], User | None]):
        """The session, when `check` (in a unit of work, given the account the challenge names) returns its user;
        otherwise the page says why."""
        found = self._challenge()
        if found is None:
            self.expired, self.error = True, EXPIRED
            return None
        user_id, next_path = found
        ip, agent = self._client()
        try:
            with system_session() as session:
                user = check(session, user_id)
        except ResonanceError as error:
            self.error = str(error)
            return None
        if user is None:
            self.error = mfa.WRONG
            return None
        self.busy = True
        return open_session(user, ip=ip, user_agent=agent, next_path=next_path, method=security_events.TWO_STEP)
