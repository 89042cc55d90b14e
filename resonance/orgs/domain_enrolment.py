"""Joining through a verified domain (orgs/domains.py): a person whose *verified* address is at an organization's
verified domain is offered "Join" (automatic invitation: they become a Member at once) or "Request to join"
(suggestion: an Admin approves or declines). Nobody else is offered anything, members included, and a declined
request is not offered again.

Every join takes the organization's membership lock (organizations.lock_memberships) before it looks for an
existing membership and counts places, so two joins at once (two tabs, a double click, an approval meanwhile) add
one membership and never pass the member limit; the unique (org_id, user_id) constraint stands behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, NotFound
from resonance.identity.models import User
from resonance.orgs import audit, invitations, organizations
from resonance.orgs.domains import domain_of, readable
from resonance.orgs.models import (
    DomainMode,
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    OrgDomain,
    Organization,
    Role,
)
from resonance.orgs.principal import Principal, require_admin, require_user

NOT_OFFERED = "Organization not found."


@dataclass(frozen=True)
class Offer:
    org_id: str
    org_name: str
    domain: str
    mode: str
    requested: bool  # a request to join is pending


@dataclass(frozen=True)
class RequestView:
    id: str
    name: str
    email: str
    requested_at: datetime


def offers_for(*, session: Session, actor: Principal) -> list[Offer]:
    """What /org-selection offers the actor through verified domains (system session: it spans organizations)."""
    require_user(actor)
    user = session.get(User, actor.user_id)
    domain = _verified_domain(user)
    if domain is None:
        return []
    rows = session.exec(
        select(OrgDomain, Organization.name).join(Organization, Organization.id == OrgDomain.org_id)
        .where(OrgDomain.domain == domain, col(OrgDomain.verified_at).is_not(None))
        .order_by(col(Organization.name))
    ).all()
    mine = set(session.exec(select(Membership.org_id).where(Membership.user_id == user.id)).all())
    asked = {org_id: status for org_id, status in session.exec(
        select(JoinRequest.org_id, JoinRequest.status).where(JoinRequest.user_id == user.id))}
    offers = []
    for row, org_name in rows:
        suggestion = row.mode == DomainMode.SUGGESTION
        if row.org_id in mine or (suggestion and asked.get(row.org_id) == JoinRequestStatus.DECLINED):
            continue
        offers.append(Offer(row.org_id, org_name, readable(row.domain), row.mode,
                            suggestion and asked.get(row.org_id) == JoinRequestStatus.PENDING))
    return offers


def join(*, session: Session, actor: Principal, org_id: str) -> str:
    """Join as a Member through an automatic invitation; joining again is harmless. Returns the org id."""
    require_user(actor)
    user, offer = _offer(session, actor, org_id, DomainMode.AUTOMATIC_INVITATION)
    if _admit(session, org_id=org_id, user=user):
        session.exec(delete(JoinRequest).where(JoinRequest.org_id == org_id, JoinRequest.user_id == user.id,
                                               JoinRequest.status == JoinRequestStatus.PENDING))
        audit.record(session=session, org_id=org_id, actor=actor, action="member.joined_by_domain",
                     detail=f"{user.email} via {offer.domain}")
    return org_id


def request_to_join(*, session: Session, actor: Principal, org_id: str) -> None:
    """Ask to join through a suggestion; asking again while it is pending is harmless."""
    require_user(actor)
    user, offer = _offer(session, actor, org_id, DomainMode.SUGGESTION)
    organizations.lock_memberships(session, org_id)  # one request per person, never from a member
    if _is_member(session, org_id, user.id):
        raise Invalid("You're already a member of this organization.")
    row = session.exec(
        select(JoinRequest).where(JoinRequest.org_id == org_id, JoinRequest.user_id == user.id)
    ).first()
    if row is not None and row.status == JoinRequestStatus.PENDING:
        return
    if row is not None and row.status == JoinRequestStatus.DECLINED:
        raise NotFound(NOT_OFFERED)
    if row is None:  # else approved once, and they left since: it asks again
        row = JoinRequest(org_id=org_id, user_id=user.id, email=user.email, domain=offer.domain)
    row.status, row.decided_by, row.decided_at, row.created_at = JoinRequestStatus.PENDING, None, None, clock.now()
    session.add(row)
    audit.record(session=session, org_id=org_id, actor=actor, action="join_request.created",
                 detail=f"{user.email} via {offer.domain}")


def pending_requests(*, session: Session, actor: Principal) -> list[RequestView]:
    """The organization's pending requests to join, oldest first (Admins only, tenant session)."""
    require_admin(actor)
    rows = session.exec(
        select(JoinRequest, User).join(User, User.id == JoinRequest.user_id)
        .where(JoinRequest.status == JoinRequestStatus.PENDING).order_by(col(JoinRequest.created_at))
    ).all()
    return [RequestView(r.id, u.name, u.email or r.email, r.created_at) for r, u in rows]


def approve(*, session: Session, actor: Principal, request_id: str) -> None:
    require_admin(actor)
    row = _pending(session, request_id)
    _admit(session, org_id=actor.org_id, user=session.get(User, row.user_id))
    _decide(session, actor, row, JoinRequestStatus.APPROVED)


def decline(*, session: Session, actor: Principal, request_id: str) -> None:
    require_admin(actor)
    _decide(session, actor, _pending(session, request_id), JoinRequestStatus.DECLINED)


def _decide(session: Session, actor: Principal, row: JoinRequest, status: str) -> None:
    row.status, row.decided_by, row.decided_at = status, actor.user_id, clock.now()
    session.add(row)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action=f"join_request.{status}", detail=row.email)


def _admit(session: Session, *, org_id: str, user: User) -> bool:
    """Make `user` a Member under the organization's membership lock; False when they already are one."""
    organizations.lock_memberships(session, org_id)
    if _is_member(session, org_id, user.id):
        return False
    limit = get_settings().ORG_MEMBER_LIMIT
    if _places_taken(session, org_id, user.email) >= limit:
        raise Invalid(f"This organization is full: it can have at most {limit} members, invitations included.")
    session.add(Membership(org_id=org_id, user_id=user.id, role=Role.MEMBER))
    session.flush()
    return True


def _is_member(session: Session, org_id: str, user_id: str) -> bool:
    return session.exec(
        select(Membership.id).where(Membership.org_id == org_id, Membership.user_id == user_id)
    ).first() is not None


def _places_taken(session: Session, org_id: str, email: str | None) -> int:
    """Members, and live invitations to others (they hold a place, as `invitations.invite` counts them)."""
    members = session.exec(select(func.count(Membership.id)).where(Membership.org_id == org_id)).one()
    pending = session.exec(
        select(Invitation).where(Invitation.org_id == org_id, Invitation.status == InvitationStatus.PENDING)
    ).all()
    return members + sum(1 for i in pending if i.email != email and invitations.status_of(i) == InvitationStatus.PENDING)


def _verified_domain(user: User | None) -> str | None:
    """The domain of the user's address when the address is verified; None offers nothing."""
    if user is None or user.email is None or user.email_verified_at is None:
        return None
    return domain_of(user.email)


def _offer(session: Session, actor: Principal, org_id: str, mode: str) -> tuple[User, OrgDomain]:
    """The actor's user and the organization's verified domain that offers them `mode`; else not found, as for any
    org id. The id is checked before anything is read (the tenant session scopes the transaction to it)."""
    if not text_input.is_line(org_id):
        raise NotFound(NOT_OFFERED)
    user = session.get(User, actor.user_id)
    domain = _verified_domain(user)
    row = session.exec(
        select(OrgDomain).where(OrgDomain.org_id == org_id, OrgDomain.domain == domain,
                                col(OrgDomain.verified_at).is_not(None))
    ).first() if domain else None
    if row is None or row.mode != mode:
        raise NotFound(NOT_OFFERED)
    return user, row


def _pending(session: Session, request_id: str) -> JoinRequest:
    row = session.get(JoinRequest, request_id) if text_input.is_line(request_id) else None
    if row is None:
        raise NotFound("Request not found.")
    if row.status != JoinRequestStatus.PENDING:
        raise Invalid(f"This request was already {row.status}.")
    return row
