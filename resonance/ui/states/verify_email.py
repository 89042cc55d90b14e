"""Verify-email page state: a 6-digit code (then signed in here) or the emailed link (then asked to sign in).

The code and the link's password belong to the sign-up attempt of this browser, named by the HttpOnly sign-up
cookie read from the websocket handshake (identity/accounts.py).

With `?give=1` it first asks an account without email (made through a provider that vouched for no address) for
one; the account is named by the HttpOnly claim cookie the provider callback set, read from the websocket
handshake, never by anything in the page."""

from __future__ import annotations

import reflex as rx

from resonance.core import ratelimit, routes
from resonance.core.errors import Invalid, ResonanceError
from resonance.identity import accounts, security_events
from resonance.identity.oauth import linking, providers
from resonance.orgs.scope import system_session
from resonance.ui.states.auth import AuthState
from resonance.ui.states.sign_in import keep_sign_up_browser, start_session

CLAIM_EXPIRED = "That sign-in took too long. Please sign in again."


class VerifyEmailState(AuthState):
    email: str = ""
    error: str = ""
    info: str = ""
    verified_by_link: bool = False
    password_set: bool = False  # the link was opened in the browser that signed up: its password holds
    needs_email: bool = False  # the account has no address yet: the page asks for one
    giving: bool = False  # the code proves an address the account is giving (not its own)
    provider_label: str = ""

    def _claim(self) -> tuple[str, str] | None:
        return linking.read_email_claim(self._cookie(linking.EMAIL_CLAIM_COOKIE))

    @rx.event
    def on_load(self):
        params = self.router.url.query_parameters
        self.email, self.error, self.info, self.verified_by_link = params.get("email", ""), "", "", False
        self.info = "We sent a new code." if params.get("sent") == "1" else ""
        self.needs_email = self.giving = params.get("give") == "1"
        if self.giving:
            claim = self._claim()
            self.provider_label = providers.label(claim[1]) if claim else ""
            if claim is None:
                self.needs_email, self.error = False, CLAIM_EXPIRED
            return
        token = params.get("token")
        if not token:
            return
        try:
            with system_session() as session:
                user = accounts.verify_link(session=session, token=token,
                                            browser=self._cookie(accounts.SIGN_UP_COOKIE))
                self.email, self.password_set = user.email, user.password_hash is not None
        except ResonanceError as error:
            self.error = str(error)
            return
        self.verified_by_link = True

    @rx.event
    def give_email(self, form: dict):
        """Send a code to the address an account without one gives."""
        self.error, self.info = "", ""
        claim = self._claim()
        if claim is None:
            self.error = CLAIM_EXPIRED
            return
        given = form.get("email", "")
        try:
            ratelimit.hit_code_send(given, ip=self._client()[0])
            with system_session() as session:
                self.email = accounts.request_email(session=session, user_id=claim[0], email=given)
        except ResonanceError as error:
            self.error = str(error)
            return
        self.needs_email = False

    @rx.event
    def change_email(self):
        self.needs_email, self.error, self.info = True, "", ""

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        ip, agent = self._client()
        try:
            with system_session() as session:
                if self.giving:
                    claim = self._claim()
                    if claim is None:
                        raise Invalid(CLAIM_EXPIRED)
                    user = accounts.verify_claimed_email(session=session, user_id=claim[0],
                                                         code=form.get("code", ""), provider=self.provider_label,
                                                         ip=ip, user_agent=agent)
                else:
                    user = accounts.verify_code(session=session, email=self.email, code=form.get("code", ""),
                                                browser=self._cookie(accounts.SIGN_UP_COOKIE))
        except ResonanceError as error:
            self.error = str(error)
            return
        next_path = self.router.url.query_parameters.get("next", "") or routes.ORG_SELECTION
        return start_session(user, ip=ip, user_agent=agent, next_path=next_path,
                             method=security_events.EMAIL_CODE)

    @rx.event
    def resend(self):
        self.error, self.info = "", ""
        browser = kept = None
        try:
            ratelimit.hit_code_send(self.email, ip=self._client()[0])
            with system_session() as session:
                if self.giving:
                    claim = self._claim()
                    if claim is None:
                        raise Invalid(CLAIM_EXPIRED)
                    accounts.request_email(session=session, user_id=claim[0], email=self.email)
                else:
                    browser = self._cookie(accounts.SIGN_UP_COOKIE)
                    kept = accounts.resend_verification(session=session, email=self.email, browser=browser)
        except ResonanceError as error:
            self.error = str(error)
            return
        self.info = "We sent a new code."
        if kept is not None and kept != browser:  # a browser without a sign-up secret gets one, kept in its cookie
            next_path = self.router.url.query_parameters.get("next", "")
            return keep_sign_up_browser(kept, routes.verify_email(self.email, next_path) + "&sent=1")
