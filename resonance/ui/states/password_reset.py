"""Forgot-password and reset-password page states."""

from __future__ import annotations

import reflex as rx

from resonance.core import ratelimit, routes
from resonance.core.errors import ResonanceError
from resonance.identity import accounts, passwords
from resonance.orgs.scope import system_session
from resonance.ui.offload import in_system_session
from resonance.ui.states.auth import AuthState

SENT = "If an account exists for that email, we sent a link to reset its password. It works for 10 minutes."


class ForgotPasswordState(AuthState):
    error: str = ""
    sent: str = ""

    @rx.event
    def on_load(self):
        self.error, self.sent = "", ""

    @rx.event
    def submit(self, form: dict):
        self.error, self.sent = "", ""
        ip, _ = self._client()
        try:
            ratelimit.hit(ratelimit.PASSWORD_RESET_IP, ip)
            # Every address counts, known or not, so a refusal reveals nothing.
            ratelimit.hit(ratelimit.PASSWORD_RESET_EMAIL, str(form.get("email", "")).strip().lower())
            with system_session() as session:
                accounts.request_password_reset(session=session, email=form.get("email", ""))
        except ResonanceError as error:
            self.error = str(error)
            return
        self.sent = SENT  # the same answer whether or not the account exists


class ResetPasswordState(AuthState):
    error: str = ""
    strength: int = 0
    strength_label: str = ""

    @rx.event
    def on_load(self):
        self.error, self.strength, self.strength_label = "", 0, ""

    @rx.event
    def rate_password(self, password: str):
        rated = passwords.strength(password)
        self.strength, self.strength_label = rated.score, rated.label

    @rx.event
    async def submit(self, form: dict):
        self.error = ""
        if form.get("password", "") != form.get("confirm", ""):
            self.error = "The two passwords do not match."
            return
        token = self.router.url.query_parameters.get("token", "")
        ip, agent = self._client()
        try:
            user = await in_system_session(accounts.reset_password, token=token, password=form.get("password", ""),
                                           ip=ip, user_agent=agent)
        except ResonanceError as error:
            self.error = str(error)
            return
        return rx.redirect(routes.sign_in(email=user.email) + "&notice=reset", replace=True)
