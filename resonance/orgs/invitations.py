"""Invitations: Admins invite by email with a role; the link works once, for that email, until it expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from resonance.core import security, text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, NotFound
from resonance.identity.accounts import normalize_email
from resonance.identity.models import User
from resonance.mail import service as mail
from resonance.mail import templates
from resonance.orgs import audit, members
from resonance.orgs.models import Invitation, InvitationStatus, Membership, Organization, Role
from resonance.orgs.principal import Principal, require_admin, require_user

BULK_LIMIT = 10  # Clerk's limit per bulk call; also ours per submit


@dataclass(frozen=True)
class InvitationView:
    id: str
    org_id: str
    org_name: str
    email: str
    role: str
    status: str
    expires_at: datetime
    created_at: datetime


def status_of(invitation: Invitation) -> str:
    if invitation.status == InvitationStatus.PENDING and invitation.expires_at <= clock.now():
        return InvitationStatus.EXPIRED
    return invitation.status


def invite(*, session: Session, actor: Principal, email: str, role: str = Role.MEMBER) -> Invitation:
    """Invite one address (tenant session); a pending invitation to the same address is replaced."""
    require_admin(actor)
    email = normalize_email(email)
    if role not in (Role.ADMIN, Role.MEMBER):
        raise Invalid("Unknown role.")
    already = session.exec(
        select(Membership.id).join(User, User.id == Membership.user_id).where(User.email == email)
    ).first()
    if already:
        raise Invalid(f"{email} is already a member.")
    pending = [i for i in session.exec(select(Invitation)) if status_of(i) == InvitationStatus.PENDING]
    for old in pending:
        if old.email == email:
            old.status = InvitationStatus.REVOKED
            session.add(old)
    others = sum(1 for i in pending if i.email != email)
    if members.count(session=session) + others + 1 > get_settings().ORG_MEMBER_LIMIT:
        raise Invalid(f"An organization can have at most {get_settings().ORG_MEMBER_LIMIT} members, invitations included.")
    token = security.new_token()
    days = get_settings().INVITATION_DAYS
    invitation = Invitation(
        org_id=actor.org_id, email=email, role=role, token_hash=security.digest(token), invited_by=actor.user_id,
        expires_at=clock.now() + timedelta(days=days),
    )
    session.add(invitation)
    org = session.get(Organization, actor.org_id)
    link = f"{get_settings().APP_URL}/invite/{token}"
    mail.send(session=session, to=email, message=templates.invitation(
        org_name=org.name, inviter=actor.name, role=role, link=link, days=int(days)))
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="invitation.sent", detail=f"{email} as {role}")
    return invitation


def list_for_org(*, session: Session, actor: Principal) -> list[InvitationView]:
    require_admin(actor)
    org = session.get(Organization, actor.org_id)
    rows = session.exec(select(Invitation).order_by(col(Invitation.created_at).desc())).all()
    return [_view(i, org.name) for i in rows]


def revoke(*, session: Session, actor: Principal, invitation_id: str) -> None:
    require_admin(actor)
    invitation = session.get(Invitation, invitation_id) if text_input.is_line(invitation_id) else None
    if invitation is None:
        raise NotFound("Invitation not found.")
    if status_of(invitation) != InvitationStatus.PENDING:
        raise Invalid(f"This invitation is already {status_of(invitation)}.")
    invitation.status = InvitationStatus.REVOKED
    session.add(invitation)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="invitation.revoked", detail=invitation.email)


def preview(*, session: Session, token: str) -> InvitationView | None:
    """What a link invites to, for the public acceptance page (system session)."""
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == security.digest(token))).first()
    if invitation is None:
        return None
    return _view(invitation, session.get(Organization, invitation.org_id).name)


def pending_for(*, session: Session, email: str) -> list[InvitationView]:
    """Live invitations to this address across organizations (system session), for /org-selection."""
    rows = session.exec(
        select(Invitation).where(Invitation.email == email.lower(), Invitation.status == InvitationStatus.PENDING)
    ).all()
    return [_view(i, session.get(Organization, i.org_id).name) for i in rows if status_of(i) == InvitationStatus.PENDING]


def accept(*, session: Session, actor: Principal, token: str | None = None, invitation_id: str | None = None) -> str:
    """Join by link token or by id (from /org-selection); only the invited address may. Returns the org id."""
    require_user(actor)
    if not token and not text_input.is_line(invitation_id):
        raise NotFound("Invitation not found.")
    query = select(Invitation)
    query = query.where(Invitation.token_hash == security.digest(token)) if token else query.where(Invitation.id == invitation_id)
    invitation = session.exec(query).first()
    if invitation is None or invitation.email != actor.email.lower():
        raise NotFound("Invitation not found.")
    status = status_of(invitation)
    if status != InvitationStatus.PENDING:
        raise Invalid(f"This invitation is {status}. Ask an admin for a new one.")
    exists = session.exec(
        select(Membership.id).where(Membership.org_id == invitation.org_id, Membership.user_id == actor.user_id)
    ).first()
    if not exists:
        session.add(Membership(org_id=invitation.org_id, user_id=actor.user_id, role=invitation.role))
    invitation.status, invitation.accepted_at = InvitationStatus.ACCEPTED, clock.now()
    session.add(invitation)
    audit.record(session=session, org_id=invitation.org_id, actor=actor, action="invitation.accepted", detail=actor.email)
    return invitation.org_id


def _view(i: Invitation, org_name: str) -> InvitationView:
    return InvitationView(i.id, i.org_id, org_name, i.email, i.role, status_of(i), i.expires_at, i.created_at)


