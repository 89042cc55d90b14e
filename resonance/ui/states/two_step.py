"""/account's two-step verification: set up an authenticator app (QR code and key, then a first code), see and
renew backup codes, turn it off with a code. Keyed by the principal's own user id, in a system session."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from resonance.core.errors import ResonanceError
from resonance.identity import mfa, sessions
from resonance.identity.models import User
from resonance.orgs.principal import require_user
from resonance.orgs.scope import system_session
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.org_settings import reset_form


class TwoStepState(AuthState):
    on: bool = False
    backup_left: int = 0
    qr: str = ""  # data: URI of the QR code while setting up
    key: str = ""  # the same key as text, for apps that cannot scan
    codes: list[str] = []  # new backup codes, shown once
    error: str = ""
    required_by: str = ""  # the organization that requires it of this person, who has none yet
    unlocked: str = ""  # that organization, once it is set up: the page offers the way in

    @rx.var
    def codes_file(self) -> str:
        return "data:text/plain;charset=utf-8," + quote("Resonance backup codes\n\n" + "\n".join(self.codes) + "\n")

    def _where(self) -> dict[str, str]:
        ip, agent = self._client()
        return {"ip": ip, "user_agent": agent}

    @rx.event
    def load(self):
        self.qr = self.key = self.error = self.unlocked = self.required_by = ""
        self.codes = []
        self._refresh()

    def _refresh(self) -> None:
        p = self._principal()
        if p is None:
            return
        if self.required_by and not p.two_step_for and p.org_id:
            self.unlocked = p.org_name
        self.required_by = p.two_step_for
        with system_session() as session:
            self.on = mfa.totp_on(session=session, user_id=p.user_id)
            self.backup_left = mfa.backup_codes_left(session=session, user_id=p.user_id) if self.on else 0

    @rx.event
    def start(self):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                sessions.require_recent_sign_in(session=session, session_id=p.session_id)
                enrolment = mfa.begin(session=session, user=session.get(User, p.user_id))
        except ResonanceError as error:
            return error_toast(error)
        self.qr, self.key, self.error = enrolment.qr_svg, enrolment.secret, ""

    @rx.event
    def cancel(self):
        self.qr = self.key = self.error = ""

    @rx.event
    def confirm(self, form: dict):
        self.error = ""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                codes = mfa.confirm(session=session, user_id=p.user_id, code=str(form.get("code", "")),
                                    **self._where())
        except ResonanceError as error:
            self.error = str(error)
            return
        self.qr = self.key = ""
        self.codes = codes
        self._refresh()
        return rx.toast.success("Two-step verification is on.")

    @rx.event
    def renew_codes(self):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                sessions.require_recent_sign_in(session=session, session_id=p.session_id)
                self.codes = mfa.new_backup_codes(session=session, user_id=p.user_id, **self._where())
        except ResonanceError as error:
            return error_toast(error)
        self._refresh()
        return rx.toast.success("New backup codes made. The old ones no longer work.")

    @rx.event
    def saved_codes(self):
        self.codes = []

    @rx.event
    def copy_codes(self):
        return [rx.set_clipboard("\n".join(self.codes)), rx.toast.success("Backup codes copied.")]

    @rx.event
    def turn_off(self, form: dict):
        self.error = ""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                mfa.turn_off(session=session, user_id=p.user_id, code=str(form.get("code", "")), **self._where())
        except ResonanceError as error:
            self.error = str(error)
            return
        self.codes = []
        self._refresh()
        return [rx.toast.success("Two-step verification is off."), reset_form("mfa-off-form")]
