"""/settings/organization state: the organization's profile, members, invitations, verified domains with their
requests to join, and the audit log.

Every handler re-derives the principal and runs the service in that principal's tenant session; the services
decide who may do what (a Member calling an Admin handler gets `Forbidden`, shown as a toast)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from resonance.core import ratelimit, routes
from resonance.core.config import get_settings
from resonance.core.errors import ResonanceError
from resonance.jobs.default import default_runner
from resonance.orgs import audit, domain_enrolment, domains, exports, invitations, members, organizations
from resonance.orgs.principal import Principal, require_admin, require_org
from resonance.orgs.scope import tenant_session
from resonance.ui import formatting
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.confirm import ConfirmState, named
from resonance.ui.states.shell import ShellState

Action = Callable[[Session, Principal], object]
EXPORT_POLL_SECONDS = 1.0
EXPORT_POLL_LIMIT_SECONDS = 30 * 60  # a poller never outlives a very long export by much


def to_org_selection() -> rx.event.EventSpec:
    # A full page load: every state reloads for a session that no longer has this organization.
    return rx.call_script(f"window.location.assign({routes.ORG_SELECTION!r})")


def reset_form(form_id: str) -> rx.event.EventSpec:
    return rx.call_script(f"document.getElementById({form_id!r})?.reset()")


@dataclass(frozen=True)
class MemberRow:
    id: str  # the membership's id
    name: str
    email: str
    role: str
    initials: str
    joined: str  # ISO UTC
    you: bool  # the member is the user looking
    two_step: bool  # the member has two-step verification on


@dataclass(frozen=True)
class InvitationRow:
    id: str
    email: str
    role: str
    status: str
    expires: str  # ISO UTC
    sent: str  # ISO UTC


@dataclass(frozen=True)
class DomainRow:
    id: str
    domain: str
    mode: str  # DomainMode
    verified: bool
    code_sent_to: str  # where the last verification code went; empty before one is sent


@dataclass(frozen=True)
class JoinRequestRow:
    id: str
    name: str
    email: str
    requested: str  # ISO UTC


@dataclass(frozen=True)
class AuditRow:
    id: str
    when: str  # ISO UTC
    who: str
    action: str
    detail: str


@dataclass(frozen=True)
class ExportView:
    """The newest export; the empty status when there is none."""
    status: str = ""  # queued | running | done | failed | expired
    percent: int = 0
    href: str = ""  # the download, while it is live
    expires: str = ""  # ISO UTC, while it is live
    error: str = ""


class OrgSettingsState(ConfirmState, AuthState):
    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    audit_events: list[AuditRow] = []
    domains: list[DomainRow] = []
    join_requests: list[JoinRequestRow] = []
    require_two_step: bool = False
    export: ExportView = ExportView()

    @rx.event
    def load(self):
        """on_load (after the guard): members for everyone; invitations and the audit log for Admins."""
        if (p := self._member()) is None:
            return  # the guard before this handler redirects
        try:
            self._load(p)
        except ResonanceError as error:
            return error_toast(error)
        if self._exporting:
            return OrgSettingsState.poll_export

    def _load(self, p: Principal) -> None:
        with tenant_session(p.org_id) as session:
            self.members = [
                MemberRow(id=m.membership_id, name=m.name, email=m.email, role=m.role,
                          initials=formatting.initials(m.name or m.email), joined=formatting.iso(m.joined_at),
                          you=m.user_id == p.user_id, two_step=bool(m.two_step))
                for m in members.list_members(session=session, actor=p)
            ]
            self.require_two_step = organizations.two_step_required(session=session, actor=p)
            if not p.is_admin:
                # never left over from an earlier Admin view
                self.invitations, self.audit_events, self.domains, self.join_requests = [], [], [], []
                self.export = ExportView()
                return
            self._show_export(exports.latest(session=session, actor=p))
            self.invitations = [
                InvitationRow(id=i.id, email=i.email, role=i.role, status=i.status,
                              expires=formatting.iso(i.expires_at), sent=formatting.iso(i.created_at))
                for i in invitations.list_for_org(session=session, actor=p)
            ]
            self.domains = [
                DomainRow(id=d.id, domain=d.domain, mode=d.mode, verified=d.verified_at is not None,
                          code_sent_to=d.code_sent_to)
                for d in domains.list_for_org(session=session, actor=p)
            ]
            self.join_requests = [
                JoinRequestRow(id=r.id, name=r.name, email=r.email, requested=formatting.iso(r.requested_at))
                for r in domain_enrolment.pending_requests(session=session, actor=p)
            ]
            self.audit_events = [
                AuditRow(id=e.id, when=formatting.iso(e.created_at), who=e.who or "System", action=e.action,
                         detail=e.detail)
                for e in audit.log(session=session, actor=p)
            ]

    def _show_export(self, export: exports.OrgExport | None) -> None:
        if export is None:
            self.export = ExportView()
            return
        live = export.status == "done" and not exports.is_expired(export)
        self.export = ExportView(status=export.status if export.status != "done" or live else exports.EXPIRED,
                                 percent=int(export.progress * 100),
                                 href=f"{get_settings().API_URL}/api/exports/{export.id}" if live else "",
                                 expires=formatting.iso(export.expires_at) if live else "", error=export.error)

    @property
    def _exporting(self) -> bool:
        return self.export.status in exports.ACTIVE

    def _name_for(self, action: str, item_id: str) -> str | None:
        if action == "remove_domain":
            return named(self.domains, item_id, "domain")
        rows = {"remove_member": self.members, "reset_two_step": self.members,
                "revoke_invitation": self.invitations}.get(action, [])
        return named(rows, item_id, "email")

    def _act(self, action: Action, success: str, *then):
        """Run one service call as the current principal; a rule it breaks becomes a toast and nothing changes."""
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                action(session, p)
        except ResonanceError as error:
            return error_toast(error)
        p = self._principal()  # the action may have changed our own role or membership
        if p is None or p.org_id is None:
            return to_org_selection()
        self._load(p)
        return [rx.toast.success(success), *then]

    # General

    @rx.event
    def rename(self, form: dict):
        name = str(form.get("name", ""))
        return self._act(lambda s, p: organizations.rename(session=s, actor=p, name=name),
                         "Organization renamed.", ShellState.load)

    @rx.event
    def leave(self):
        return self._act(lambda s, p: organizations.leave(session=s, actor=p), "You left the organization.")

    @rx.event
    def delete(self, form: dict):
        typed = str(form.get("confirmation", ""))
        events = self._act(lambda s, p: organizations.delete_org(session=s, actor=p, confirmation=typed),
                           "Organization deleted.")
        default_runner().notify()  # the organization's stored files are deleted by a job
        return events

    @rx.event
    def start_export(self):
        events = self._act(lambda s, p: exports.start(session=s, actor=p), "Export started.",
                           OrgSettingsState.poll_export)
        default_runner().notify()  # the archive is written by a job
        return events

    @rx.event(background=True)
    async def poll_export(self):
        """Re-read the export every second while it is queued or running."""
        started = time.monotonic()
        while time.monotonic() - started < EXPORT_POLL_LIMIT_SECONDS:
            await asyncio.sleep(EXPORT_POLL_SECONDS)
            async with self:
                p = self._principal()
                if p is None or not p.is_admin:
                    return
                try:
                    with tenant_session(p.org_id) as session:
                        self._show_export(exports.latest(session=session, actor=p))
                except ResonanceError:
                    continue
                if not self._exporting:
                    return

    # Members

    @rx.event
    def change_role(self, membership_id: str, role: str):
        return self._act(
            lambda s, p: members.change_role(session=s, actor=p, membership_id=str(membership_id), role=str(role)),
            "Role changed.",
        )

    @rx.event
    def remove_member(self, membership_id: str):
        self._answered()
        return self._act(lambda s, p: members.remove(session=s, actor=p, membership_id=str(membership_id)),
                         "Member removed.")

    @rx.event
    def reset_two_step(self, membership_id: str):
        self._answered()
        return self._act(lambda s, p: members.reset_two_step(session=s, actor=p, membership_id=str(membership_id)),
                         "Two-step verification reset. They can sign in without it and set it up again.")

    @rx.event
    def set_two_step_required(self, required: bool):
        return self._act(
            lambda s, p: organizations.set_two_step_required(session=s, actor=p, required=bool(required)),
            "Two-step verification is now required." if required else "Two-step verification is now optional.")

    # Invitations

    @rx.event
    def invite(self, form: dict):
        email, role = str(form.get("email", "")), str(form.get("role") or "member")
        return self._act(lambda s, p: invitations.invite(session=s, actor=p, email=email, role=role),
                         "Invitation sent.", reset_form("invite-form"))

    @rx.event
    def revoke_invitation(self, invitation_id: str):
        self._answered()
        return self._act(
            lambda s, p: invitations.revoke(session=s, actor=p, invitation_id=str(invitation_id)),
            "Invitation revoked.",
        )

    # Verified domains

    @rx.event
    def add_domain(self, form: dict):
        domain = str(form.get("domain", ""))
        return self._act(lambda s, p: domains.add(session=s, actor=p, domain=domain),
                         "Domain added. Now send a code to an address at it.", reset_form("domain-add-form"))

    @rx.event
    def send_domain_code(self, form: dict):
        domain_id, email = str(form.get("domain_id", "")), str(form.get("email", ""))

        def send(s, p):
            require_admin(p)  # before the address's sending limits count anything
            ratelimit.hit_code_send(email, ip=self._client()[0])  # the limits of every emailed code
            domains.send_code(session=s, actor=p, domain_id=domain_id, email=email)

        minutes = int(get_settings().EMAIL_CODE_MINUTES)
        return self._act(send, f"Code sent to {email.strip().lower()}. It expires in {minutes} minutes.")

    @rx.event
    def verify_domain(self, form: dict):
        domain_id, code = str(form.get("domain_id", "")), str(form.get("code", ""))
        return self._act(lambda s, p: domains.verify(session=s, actor=p, domain_id=domain_id, code=code),
                         "Domain verified.")

    @rx.event
    def change_domain_mode(self, domain_id: str, mode: str):
        return self._act(
            lambda s, p: domains.set_mode(session=s, actor=p, domain_id=str(domain_id), mode=str(mode)),
            "Enrollment mode changed.",
        )

    @rx.event
    def remove_domain(self, domain_id: str):
        self._answered()
        return self._act(lambda s, p: domains.remove(session=s, actor=p, domain_id=str(domain_id)),
                         "Domain removed.")

    @rx.event
    def approve_request(self, request_id: str):
        return self._act(
            lambda s, p: domain_enrolment.approve(session=s, actor=p, request_id=str(request_id)),
            "Request approved: they are now a member.",
        )

    @rx.event
    def decline_request(self, request_id: str):
        return self._act(
            lambda s, p: domain_enrolment.decline(session=s, actor=p, request_id=str(request_id)),
            "Request declined.",
        )
