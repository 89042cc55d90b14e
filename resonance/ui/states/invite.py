"""/invite/{token} state: what the invitation is for, and joining with the invited account."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from resonance.core import routes
from resonance.core.errors import ResonanceError
from resonance.orgs import invitations, organizations
from resonance.orgs.principal import require_user
from resonance.orgs.scope import system_session
from resonance.ui.states.auth import AuthState


class InviteState(AuthState):
    found: bool = False
    invited_email: str = ""
    invited_org: str = ""
    invited_role: str = ""
    status: str = ""
    signed_in: bool = False
    error: str = ""

    def _token(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    def on_load(self):
        self.error = ""
        with system_session() as session:
            view = invitations.preview(session=session, token=self._token())
        self.found = view is not None
        if view:
            self.invited_email, self.invited_org, self.invited_role, self.status = (
                view.email, view.org_name, view.role, view.status)
        self.signed_in = self._principal() is not None

    @rx.var
    def sign_in_url(self) -> str:
        return routes.sign_in(self.router.url.path, self.invited_email)

    @rx.var
    def sign_up_url(self) -> str:
        # Quoted: a "+" in the address would otherwise arrive as a space.
        return f"{routes.SIGN_UP}?email={quote(self.invited_email)}&next={quote(self.router.url.path, safe='/')}"

    @rx.event
    def accept(self):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                org_id = invitations.accept(session=session, actor=p, token=self._token())
                organizations.switch(session=session, actor=p, org_id=org_id)
        except ResonanceError as error:
            self.error = str(error)
            return
        return rx.redirect(routes.HOME)
