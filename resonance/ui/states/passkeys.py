"""/account's passkeys: add one (the browser's prompt, answered to a challenge this page keeps server side), list
them (name, added, last used), rename and remove (after asking). Keyed by the principal's own user id, in a system
session."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.core.errors import ResonanceError
from resonance.identity import devices, passkeys, sessions
from resonance.identity.models import Passkey, User
from resonance.orgs.principal import require_user
from resonance.orgs.scope import system_session
from resonance.ui import formatting
from resonance.ui.browser import passkey_answer, passkey_prompt
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.confirm import ConfirmState, named


@dataclass(frozen=True)
class PasskeyRow:
    id: str
    name: str
    created: str  # ISO UTC
    last_used: str  # ISO UTC; empty when never used


def passkey_row(passkey: Passkey) -> PasskeyRow:
    return PasskeyRow(id=passkey.id, name=passkey.name, created=formatting.iso(passkey.created_at),
                      last_used=formatting.iso(passkey.last_used_at))


class PasskeysState(ConfirmState, AuthState):
    passkeys: list[PasskeyRow] = []
    error: str = ""
    adding: bool = False  # the browser's prompt is open
    rename_id: str = ""  # the passkey whose name is being edited
    rename_name: str = ""
    _passkey_ceremony: str = ""  # the pending challenge of this page (backend only)

    def _name_for(self, action: str, item_id: str) -> str | None:
        return named(self.passkeys, item_id, "name") if action == "remove" else None

    def _refresh(self) -> None:
        p = self._principal()
        if p is None:
            return
        with system_session() as session:
            self.passkeys = [passkey_row(k) for k in passkeys.list_passkeys(session=session, user_id=p.user_id)]

    @rx.event
    def load(self):
        self.error, self.adding, self.rename_id, self._passkey_ceremony = "", False, "", ""
        self._refresh()

    @rx.event
    def start_add(self):
        self.error = ""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                sessions.require_recent_sign_in(session=session, session_id=p.session_id)
                ceremony = passkeys.registration_options(session=session, user=session.get(User, p.user_id))
        except ResonanceError as error:
            self.error = str(error)
            return
        self._passkey_ceremony, self.adding = ceremony.id, True
        return passkey_prompt("create", ceremony.options, PasskeysState.added)

    @rx.event
    def added(self, result: dict | None):
        self.adding = False
        if (answer := passkey_answer(self, result)) is None:
            return
        ceremony_id, credential = answer
        try:
            p = require_user(self._principal())
            ip, agent = self._client()
            with system_session() as session:
                passkeys.add_passkey(session=session, user_id=p.user_id, ceremony_id=ceremony_id,
                                     credential=credential, fallback_name=devices.device(agent), ip=ip,
                                     user_agent=agent)
        except ResonanceError as error:
            self.error = str(error)
            return
        self._refresh()
        return rx.toast.success("Passkey added. You can sign in with it now.")

    @rx.event
    def start_rename(self, passkey_id: str):
        name = named(self.passkeys, str(passkey_id), "name")
        if name is not None:
            self.rename_id, self.rename_name = str(passkey_id), name

    @rx.event
    def close_rename(self, open_: bool = False):
        if not open_:
            self.rename_id = self.rename_name = ""

    @rx.event
    def rename(self, form: dict):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                passkeys.rename_passkey(session=session, user_id=p.user_id, passkey_id=self.rename_id,
                                        name=str(form.get("name", "")))
        except ResonanceError as error:
            return error_toast(error)
        self.rename_id = self.rename_name = ""
        self._refresh()

    @rx.event
    def remove(self, passkey_id: str):
        self._answered()
        try:
            p = require_user(self._principal())
            ip, agent = self._client()
            with system_session() as session:
                passkeys.remove_passkey(session=session, user_id=p.user_id, passkey_id=str(passkey_id), ip=ip,
                                        user_agent=agent)
        except ResonanceError as error:
            return error_toast(error)
        self._refresh()
        return rx.toast.success("Passkey removed. It no longer signs in.")
