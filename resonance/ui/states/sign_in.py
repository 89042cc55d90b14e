"""Sign-in page state: checks credentials through the identity service, then hands the browser a one-time ticket
to exchange for the HttpOnly session cookie."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from resonance.core import ratelimit, routes
from resonance.core.errors import ResonanceError
from resonance.identity import accounts, magic_links, mfa, passkeys, security_events, sessions, signin
from resonance.identity.models import User
from resonance.identity.oauth import errors as oauth_errors
from resonance.identity.oauth import providers
from resonance.orgs import organizations
from resonance.orgs.scope import system_session
from resonance.ui.browser import passkey_answer, passkey_prompt, post_navigate
from resonance.ui.offload import in_system_session
from resonance.ui.states.auth import AuthState

NOTICES = {
    "expired": "That sign-in took too long. Please sign in again.",
    "verified": "Email verified. Sign in to continue.",
    "reset": "Password changed. Sign in with your new password.",
    "deleted": "Your account has been deleted.",
}


def start_session(user: User, *, ip: str, user_agent: str, next_path: str, method: str):
    """After the first factor (`method`: security_events.PASSWORD…): the second step for an account with two-step
    verification (its challenge posted to the backend, which keeps it in an HttpOnly cookie), else the session."""
    with system_session() as session:
        if mfa.enrolled(session=session, user_id=user.id):
            return post_navigate("/api/auth/second-factor", {"challenge": mfa.challenge(user.id, routes.safe_next(next_path))})
    return open_session(user, ip=ip, user_agent=user_agent, next_path=next_path, method=method)


def open_session(user: User, *, ip: str, user_agent: str, next_path: str, method: str):
    """Create the session and post its ticket to the backend, which sets the cookie and redirects."""
    with system_session() as session:
        # Back in the organization the person last worked in, so `next` pages open without a detour.
        org_id = organizations.reopen_for(session=session, user_id=user.id)
        ticket = sessions.start(session=session, user=user, ip=ip, user_agent=user_agent, active_org_id=org_id,
                                method=method)
    return post_navigate("/api/auth/session", {"ticket": ticket, "next": routes.safe_next(next_path)})


def ask_for_passkey(state: rx.State, options: Callable[[Session], passkeys.Ceremony], callback):
    """Open the browser's passkey prompt for a sign-in page: a challenge from `options` (each one counted toward the
    IP's sign-in limit), its id kept in the page's backend-only `_passkey_ceremony`; the page's `error` if refused."""
    try:
        ratelimit.hit(ratelimit.SIGN_IN, state._client()[0] or "?")
        with system_session() as session:
            ceremony = options(session)
    except ResonanceError as error:
        state.error = str(error)
        return None
    state._passkey_ceremony = ceremony.id
    return passkey_prompt("get", ceremony.options, callback)


def keep_sign_up_browser(browser: str | None, next_path: str):
    """Go to `next_path` (the verify page) through the route that keeps the browser's sign-up secret in its HttpOnly
    cookie: the codes of this browser's sign-up attempts work only with it."""
    if browser is None:
        return rx.redirect(next_path)
    return post_navigate("/api/auth/sign-up", {"ticket": accounts.browser_ticket(browser), "next": next_path})


class SignInState(AuthState):
    error: str = ""
    notice: str = ""
    email: str = ""
    busy: bool = False
    providers: list[providers.Button] = []  # configured sign-in providers
    magic_mode: bool = False  # the card shows "Email me a sign-in link" instead of the password form
    magic_sent: str = ""
    _passkey_ceremony: str = ""  # the pending passkey challenge of this page (backend only)

    @rx.event
    def on_load(self):
        params = self.router.url.query_parameters
        self.email, self.error, self.busy = params.get("email", ""), "", False
        # The account page lands here with `?deleted=1` after deleting the account (its tab's states are gone).
        code = "deleted" if params.get("deleted") else params.get("error", "") or params.get("notice", "")
        self.notice = NOTICES.get(code, "")
        # A refused social sign-in or magic link comes back as a code; only our own sentence for it is shown.
        self.error = oauth_errors.message(params.get("oauth_error", ""), providers.label(params.get("provider", "")))
        self.providers = providers.buttons(next_path=params.get("next", ""))
        self.magic_mode, self.magic_sent, self._passkey_ceremony = False, "", ""
        return AuthState.redirect_signed_in

    @rx.event
    def toggle_magic(self):
        self.magic_mode, self.magic_sent, self.error = not self.magic_mode, "", ""

    @rx.event
    async def send_magic_link(self, form: dict):
        """Email a sign-in link; the same "check your email" answer whether or not the address has an account."""
        self.error, self.magic_sent = "", ""
        email = str(form.get("email", ""))
        self.email = email
        try:
            self.magic_sent = await in_system_session(magic_links.request, email=email, ip=self._client()[0])
        except ResonanceError as error:
            self.error = str(error)

    @rx.event
    async def submit(self, form: dict):
        email, password = form.get("email", ""), form.get("password", "")
        self.email, self.error = email, ""
        ip, agent = self._client()
        next_path = self.router.url.query_parameters.get("next", "/")
        try:
            user = await in_system_session(signin.authenticate, email=email, password=password, ip=ip)
        except signin.EmailNotVerified:
            # The password is right: a code for a sign-up attempt of this browser, bound to that password.
            browser = self._cookie(accounts.SIGN_UP_COOKIE)
            try:
                ratelimit.hit_code_send(email, ip=ip)
                with system_session() as session:
                    browser = accounts.resend_verification(session=session, email=email, browser=browser,
                                                           password_proven=True)
            except ResonanceError:
                pass  # a code was sent moments ago; the verify page offers "Resend"
            return keep_sign_up_browser(browser, routes.verify_email(email.strip().lower(), next_path))
        except ResonanceError as error:
            self.error = str(error)
            return
        self.busy = True
        return start_session(user, ip=ip, user_agent=agent, next_path=next_path, method=security_events.PASSWORD)

    @rx.event
    def start_passkey(self):
        """Sign in with a passkey alone: the browser offers the passkeys it holds for this site."""
        self.error = ""
        return ask_for_passkey(self, lambda session: passkeys.sign_in_options(session=session),
                               SignInState.passkey_done)

    @rx.event
    def passkey_done(self, result: dict | None):
        """The browser's answer: a passkey whose authenticator verified the person is both factors."""
        if (answer := passkey_answer(self, result)) is None:
            return
        ceremony_id, credential = answer
        ip, agent = self._client()
        try:
            with system_session() as session:
                user = passkeys.authenticate(session=session, ceremony_id=ceremony_id, credential=credential)
        except ResonanceError as error:
            self.error = str(error)
            return
        self.busy = True
        return open_session(user, ip=ip, user_agent=agent, method=security_events.PASSKEY,
                            next_path=self.router.url.query_parameters.get("next", "/"))
