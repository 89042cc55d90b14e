"""/org-selection state: my organizations, my pending invitations, and creating an organization."""

from __future__ import annotations

import reflex as rx

from resonance.core.errors import ResonanceError
from resonance.orgs import invitations, organizations
from resonance.orgs.principal import require_user
from resonance.orgs.scope import system_session
from resonance.ui import routes
from resonance.ui.states.auth import AuthState


class OrgSelectionState(AuthState):
    my_orgs: list[dict[str, str]] = []
    my_invitations: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    def on_load(self):
        p = self._principal()
        if p is None:
            return rx.redirect(routes.sign_in(self._here()), replace=True)
        self.ready, self.error = True, ""
        self._load(p)

    def _load(self, p) -> None:
        with system_session() as session:
            self.my_orgs = [
                {"id": org.id, "name": org.name, "role": role}
                for org, role in organizations.for_user(session=session, user_id=p.user_id)
            ]
            self.my_invitations = [
                {"id": i.id, "org_name": i.org_name, "role": i.role}
                for i in invitations.pending_for(session=session, email=p.email)
            ]

    @rx.event
    def choose(self, org_id: str):
        return self._switch_to(org_id)

    def _switch_to(self, org_id: str):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                organizations.switch(session=session, actor=p, org_id=org_id)
        except ResonanceError as error:
            self.error = str(error)
            return
        return rx.redirect(routes.HOME)

    @rx.event
    def join(self, invitation_id: str):
        try:
            p = require_user(self._principal())
            with system_session() as session:
                org_id = invitations.accept(session=session, actor=p, invitation_id=invitation_id)
        except ResonanceError as error:
            self.error = str(error)
            return
        return self._switch_to(org_id)

    @rx.event
    def create(self, form: dict):
        self.error = ""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                org = organizations.create(session=session, actor=p, name=form.get("name", ""))
                organizations.switch(session=session, actor=p, org_id=org.id)
        except ResonanceError as error:
            self.error = str(error)
            return
        return rx.redirect(routes.HOME)
