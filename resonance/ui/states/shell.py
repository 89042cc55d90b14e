"""The dashboard shell: organization switcher, sidebar state and the user menu."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.core import routes
from resonance.core.errors import ResonanceError
from resonance.orgs import organizations
from resonance.orgs.principal import require_user
from resonance.orgs.scope import system_session
from resonance.ui import formatting
from resonance.ui.states.auth import AuthState


@dataclass(frozen=True)
class SwitcherOrg:
    id: str
    name: str
    initials: str
    role: str


class ShellState(AuthState):
    switcher_orgs: list[SwitcherOrg] = []
    # Not a secret: only whether the sidebar is collapsed, remembered in the `sidebar_state` cookie.
    sidebar_state: str = rx.Cookie("expanded", name="sidebar_state", max_age=60 * 60 * 24 * 365, same_site="lax")

    @rx.var
    def current_path(self) -> str:
        return self.router.url.path

    @rx.var
    def collapsed(self) -> bool:
        return self.sidebar_state == "collapsed"

    @rx.event
    def load(self):
        """on_load (after the guard): the organizations for the switcher."""
        p = self._principal()
        if p is None:
            return
        with system_session() as session:
            self.switcher_orgs = [
                SwitcherOrg(id=org.id, name=org.name, initials=formatting.initials(org.name), role=org.role)
                for org in organizations.for_user(session=session, user_id=p.user_id)
            ]

    @rx.event
    def toggle_sidebar(self):
        self.sidebar_state = "expanded" if self.collapsed else "collapsed"

    @rx.event
    def switch_org(self, org_id: str):
        """Switch this session's active organization; membership is checked on the server."""
        try:
            p = require_user(self._principal())
            with system_session() as session:
                organizations.switch(session=session, actor=p, org_id=org_id)
        except ResonanceError as error:
            return rx.toast.error(str(error))
        # A full reload, so every page state refetches for the new organization.
        return rx.call_script(f"window.location.assign({routes.HOME!r})")
