"""/org-selection state: my organizations, my pending invitations, what my verified email domain offers (join, or
request to join), and creating an organization."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.core import routes
from resonance.core.errors import ResonanceError
from resonance.orgs import domain_enrolment, invitations, organizations
from resonance.orgs.principal import require_user
from resonance.orgs.scope import system_session, tenant_session
from resonance.ui.states.auth import AuthState


@dataclass(frozen=True)
class OrgRow:
    id: str
    name: str
    role: str


@dataclass(frozen=True)
class InvitationRow:
    """A pending invitation to the user's email."""
    id: str
    org_name: str
    role: str


@dataclass(frozen=True)
class DomainOffer:
    """An organization that the user's verified email domain lets them join, or ask to join."""
    org_id: str
    org_name: str
    domain: str
    mode: str  # DomainMode
    requested: bool  # the user has already asked to join


class OrgSelectionState(AuthState):
    my_orgs: list[OrgRow] = []
    my_invitations: list[InvitationRow] = []
    domain_offers: list[DomainOffer] = []
    error: str = ""
    info: str = ""

    @rx.event
    def on_load(self):
        p = self._principal()
        if p is None:
            return rx.redirect(routes.sign_in(self._here()), replace=True)
        self.ready, self.error, self.info = True, "", ""
        self._load(p)

    def _load(self, p) -> None:
        with system_session() as session:
            self.my_orgs = [
                OrgRow(id=org.id, name=org.name, role=org.role)
                for org in organizations.for_user(session=session, user_id=p.user_id)
            ]
            self.my_invitations = [
                InvitationRow(id=i.id, org_name=i.org_name, role=i.role)
                for i in invitations.pending_for(session=session, email=p.email)
            ]
            self.domain_offers = [
                DomainOffer(org_id=o.org_id, org_name=o.org_name, domain=o.domain, mode=o.mode,
                            requested=bool(o.requested))
                for o in domain_enrolment.offers_for(session=session, actor=p)
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
    def join_by_domain(self, org_id: str):
        """An automatic invitation: in at once, then into the organization."""
        if self._through_domain(org_id, domain_enrolment.join) is not None:
            return self._switch_to(str(org_id))

    @rx.event
    def request_to_join(self, org_id: str):
        if (p := self._through_domain(org_id, domain_enrolment.request_to_join)) is not None:
            self._load(p)
            name = next((o.org_name for o in self.domain_offers if o.org_id == org_id), "the organization")
            self.info = f"Request sent. An admin of {name} will review it."

    def _through_domain(self, org_id: str, action):
        """Run a join or a request in the offered organization's tenant session; the principal, or None with the
        error shown."""
        self.error, self.info = "", ""
        try:
            p = require_user(self._principal())
            with tenant_session(str(org_id)) as session:
                action(session=session, actor=p, org_id=str(org_id))
        except ResonanceError as error:
            self.error = str(error)
            return None
        return p

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
