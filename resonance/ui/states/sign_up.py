"""Sign-up page state: strength meter while typing; registration and the verification email on submit."""

from __future__ import annotations

import reflex as rx

from resonance.core import ratelimit, routes
from resonance.core.errors import ResonanceError
from resonance.identity import accounts, passwords
from resonance.identity.oauth import providers
from resonance.ui.offload import in_system_session
from resonance.ui.states.auth import AuthState
from resonance.ui.states.sign_in import keep_sign_up_browser


class SignUpState(AuthState):
    error: str = ""
    prefill_email: str = ""
    strength: int = 0
    strength_label: str = ""
    strength_hint: str = ""
    password_length: int = 0
    providers: list[providers.Button] = []  # configured sign-in providers

    @rx.event
    def on_load(self):
        self.error, self.strength, self.strength_label, self.strength_hint, self.password_length = "", 0, "", "", 0
        self.providers = providers.buttons()
        self.prefill_email = self.router.url.query_parameters.get("email", "")
        return AuthState.redirect_signed_in

    @rx.event
    def rate_password(self, password: str):
        """Only the score leaves this handler; the password is never stored in state."""
        rated = passwords.strength(password)
        self.password_length = len(password)
        self.strength, self.strength_label, self.strength_hint = rated.score, rated.label, rated.hint

    @rx.event
    async def submit(self, form: dict):
        self.error = ""
        try:
            ratelimit.hit(ratelimit.SIGN_UP_IP, self._client()[0] or "?")
            ratelimit.hit_code_send(form.get("email", ""), ip=None)  # a code, or a notice to a verified address
            browser = await in_system_session(accounts.sign_up, name=form.get("name", ""),
                                              email=form.get("email", ""), password=form.get("password", ""),
                                              browser=self._cookie(accounts.SIGN_UP_COOKIE))
        except ResonanceError as error:
            self.error = str(error)
            return
        email = form.get("email", "").strip().lower()
        next_path = self.router.url.query_parameters.get("next", "")
        return keep_sign_up_browser(browser, routes.verify_email(email, next_path))
