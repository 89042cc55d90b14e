"""/account state: profile name, password change, the user's signed-in sessions and security activity.

Identity data spans organizations, so these handlers use a system session, always keyed by the principal's own
user id. Passwords pass through handlers only: they are never kept in state."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.core import routes
from resonance.core.errors import Invalid, NotFound, ResonanceError
from resonance.identity import accounts, devices, passwords, security_events, sessions
from resonance.identity.oauth import errors as oauth_errors
from resonance.identity.oauth import linking, providers
from resonance.orgs import account_deletion
from resonance.orgs.principal import Principal, require_user
from resonance.orgs.scope import system_session
from resonance.ui import formatting
from resonance.ui.offload import in_system_session
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.org_settings import reset_form


@dataclass(frozen=True)
class SessionRow:
    id: str
    device: str
    ip: str
    last_seen: str  # ISO UTC
    created: str  # ISO UTC
    current: bool  # the session of this browser


@dataclass(frozen=True)
class SecurityRow:
    """One of the user's own latest security events."""
    id: str
    when: str  # ISO UTC
    what: str
    device: str
    place: str


@dataclass(frozen=True)
class ConnectedRow:
    """A provider account linked to this user."""
    id: str
    label: str
    email: str
    since: str  # ISO UTC


class AccountState(AuthState):
    sessions: list[SessionRow] = []
    security: list[SecurityRow] = []
    strength: int = 0
    strength_label: str = ""
    strength_hint: str = ""
    password_length: int = 0
    connected: list[ConnectedRow] = []
    connect_options: list[providers.Button] = []  # configured providers, their start links with intent=link
    connect_error: str = ""
    connect_notice: str = ""

    @rx.event
    def load(self):
        """on_load (after the guard): the user's active sessions and connected accounts; the outcome of a connect
        round trip arrives as ?connected=<provider> or ?oauth_error=<code>&provider=<provider>."""
        self._clear_strength()
        params = self.router.url.query_parameters
        connected, code = params.get("connected", ""), params.get("oauth_error", "")
        self.connect_notice = f"{providers.label(connected)} is now connected." if connected else ""
        self.connect_error = oauth_errors.message(code, providers.label(params.get("provider", "")))
        self.connect_options = providers.buttons(link=True)
        p = self._principal()
        if p is not None:
            self._load_sessions(p)
            self._load_connected(p)
            self._load_security(p)

    def _load_connected(self, p: Principal) -> None:
        with system_session() as session:
            rows = linking.connected(session=session, user_id=p.user_id)
        self.connected = [ConnectedRow(id=r.id, label=providers.label(r.provider), email=r.email or "(no email)",
                                       since=formatting.iso(r.created_at)) for r in rows]

    @rx.event
    def disconnect(self, identity_id: str):
        """Remove a connected account of this user; refused for the last way to sign in."""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                link = linking.disconnect(session=session, user_id=p.user_id, identity_id=str(identity_id))
        except ResonanceError as error:
            return error_toast(error)
        self.connect_notice = ""
        self._load_connected(p)
        return rx.toast.success(f"{providers.label(link.provider)} disconnected.")

    def _load_sessions(self, p: Principal) -> None:
        with system_session() as session:
            rows = sessions.active_for(session=session, user_id=p.user_id)
        rows.sort(key=lambda r: r.id != p.session_id)  # this device first, then by last activity
        self.sessions = [
            SessionRow(id=r.id, device=devices.device(r.user_agent), ip=r.ip or "Unknown",
                       last_seen=formatting.iso(r.last_seen_at), created=formatting.iso(r.created_at),
                       current=r.id == p.session_id)
            for r in rows
        ]

    def _load_security(self, p: Principal) -> None:
        with system_session() as session:
            rows = security_events.recent_for(session=session, user_id=p.user_id)
        self.security = [SecurityRow(id=r.id, when=formatting.iso(r.created_at), what=security_events.describe(r),
                                     device=r.device or "Unknown device", place=r.place) for r in rows]

    def _clear_strength(self) -> None:
        self.strength, self.strength_label, self.strength_hint, self.password_length = 0, "", "", 0

    @rx.event
    def save_profile(self, form: dict):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                accounts.rename(session=session, user_id=p.user_id, name=str(form.get("name", "")))
        except ResonanceError as error:
            return error_toast(error)
        self._principal()  # mirror the new name into the sidebar
        return rx.toast.success("Profile updated.")

    @rx.event
    def rate_password(self, password: str):
        """Only the score leaves this handler."""
        rated = passwords.strength(password, user_inputs=(self.user_email, self.user_name))
        self.password_length = len(password)
        self.strength, self.strength_label, self.strength_hint = rated.score, rated.label, rated.hint

    @rx.event
    async def change_password(self, form: dict):
        current, new, repeat = (str(form.get(k, "")) for k in ("current", "new", "repeat"))
        try:
            p = require_user(self._principal())
            if new != repeat:
                raise Invalid("The new passwords do not match.")
            ip, agent = self._client()
            await in_system_session(accounts.change_password, user_id=p.user_id, current=current, new=new,
                                    keep_session_id=p.session_id, ip=ip, user_agent=agent)
        except ResonanceError as error:
            return error_toast(error)
        self._clear_strength()
        self._load_sessions(p)
        self._load_security(p)
        return [rx.toast.success("Password changed. Your other sessions were signed out."),
                reset_form("password-form")]

    @rx.event
    def revoke_session(self, session_id: str):
        """Sign out one other session; an id that is not one of this user's sessions changes nothing."""
        try:
            p = require_user(self._principal())
            if session_id == p.session_id:
                raise Invalid("This is the session you are using. Use Sign out in the user menu instead.")
            with system_session() as session:
                if not sessions.revoke(session=session, user_id=p.user_id, session_id=str(session_id)):
                    raise NotFound("Session not found.")
        except ResonanceError as error:
            return error_toast(error)
        self._load_sessions(p)
        return rx.toast.success("Session signed out.")

    @rx.event
    def revoke_others(self):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                count = sessions.revoke_all(session=session, user_id=p.user_id, except_id=p.session_id)
        except ResonanceError as error:
            return error_toast(error)
        self._load_sessions(p)
        if count == 0:
            return rx.toast.info("No other sessions were signed in.")
        return rx.toast.success("Signed out of 1 other session." if count == 1
                                else f"Signed out of {count} other sessions.")

    @rx.event
    def delete_account(self, form: dict):
        """Delete this account (the service checks the recent sign-in, the typed email and the last-admin rule), then
        a full page load on the sign-in page: every state of this tab belonged to the account."""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                account_deletion.delete_account(session=session, actor=p,
                                                confirmation=str(form.get("confirmation", "")))
        except ResonanceError as error:
            return error_toast(error)
        return rx.call_script(f"window.location.assign({routes.sign_in() + '?deleted=1'!r})")
