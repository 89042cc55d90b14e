"""Verify-email page state: a 6-digit code (then signed in here) or the emailed link (then asked to sign in)."""

from __future__ import annotations

import reflex as rx

from resonance.core import ratelimit
from resonance.core.errors import ResonanceError
from resonance.identity import accounts
from resonance.orgs.scope import system_session
from resonance.ui import routes
from resonance.ui.states.auth import AuthState
from resonance.ui.states.sign_in import start_session


class VerifyEmailState(AuthState):
    email: str = ""
    error: str = ""
    info: str = ""
    verified_by_link: bool = False

    @rx.event
    def on_load(self):
        params = self.router.url.query_parameters
        self.email, self.error, self.info, self.verified_by_link = params.get("email", ""), "", "", False
        token = params.get("token")
        if not token:
            return
        try:
            with system_session() as session:
                user = accounts.verify_link(session=session, token=token)
                self.email = user.email
        except ResonanceError as error:
            self.error = str(error)
            return
        self.verified_by_link = True

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        ip, agent = self._client()
        try:
            with system_session() as session:
                user = accounts.verify_code(session=session, email=self.email, code=form.get("code", ""))
        except ResonanceError as error:
            self.error = str(error)
            return
        next_path = self.router.url.query_parameters.get("next", "") or routes.ORG_SELECTION
        return start_session(user, ip=ip, user_agent=agent, next_path=next_path)

    @rx.event
    def resend(self):
        self.error, self.info = "", ""
        try:
            ratelimit.hit(ratelimit.VERIFICATION_IP, self._client()[0])
            ratelimit.hit(ratelimit.VERIFICATION_EMAIL, self.email.strip().lower())
            with system_session() as session:
                accounts.resend_verification(session=session, email=self.email)
        except ResonanceError as error:
            self.error = str(error)
            return
        self.info = "We sent a new code."
