"""Members of the active organization: list, change role, remove. Every call runs in the actor's tenant session,
so another organization's membership id is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from resonance.core import text_input
from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.identity import mfa, security_events
from resonance.identity.factors import has_second_factor
from resonance.identity.models import User
from resonance.orgs import audit, organizations
from resonance.orgs.models import Membership, Role
from resonance.orgs.organizations import _clear_active
from resonance.orgs.principal import Principal, require_admin, require_org
from resonance.orgs.scope import unscoped


@dataclass(frozen=True)
class MemberView:
    membership_id: str
    user_id: str
    name: str
    email: str
    role: str
    joined_at: datetime
    two_step: bool  # has two-step verification on


def list_members(*, session: Session, actor: Principal) -> list[MemberView]:
    require_org(actor)
    rows = session.exec(
        select(Membership, User, has_second_factor(User.id)).join(User, User.id == Membership.user_id)
        .order_by(col(Membership.created_at))
    ).all()
    return [MemberView(m.id, u.id, u.name, u.email, m.role, m.created_at, bool(on)) for m, u, on in rows]


def change_role(*, session: Session, actor: Principal, membership_id: str, role: str) -> Membership:
    require_admin(actor)
    if role not in (Role.ADMIN, Role.MEMBER):
        raise Invalid("Unknown role.")
    organizations.lock_as_admin(session, actor)
    membership = _get(session, membership_id)
    if membership.role == Role.ADMIN and role != Role.ADMIN and admin_count(session) <= 1:
        raise Forbidden("The last admin cannot be demoted. Make someone else an admin first.")
    if membership.role != role:
        membership.role = role
        session.add(membership)
        audit.record(session=session, org_id=actor.org_id, actor=actor, action="member.role_changed",
                     detail=f"{_email(session, membership)} → {role}")
    return membership


def remove(*, session: Session, actor: Principal, membership_id: str) -> None:
    require_admin(actor)
    organizations.lock_as_admin(session, actor)
    membership = _get(session, membership_id)
    if membership.role == Role.ADMIN and admin_count(session) <= 1:
        raise Forbidden("The last admin cannot be removed.")
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="member.removed",
                 detail=_email(session, membership))
    session.delete(membership)
    _clear_active(session, org_id=actor.org_id, user_id=membership.user_id)


def reset_two_step(*, session: Session, actor: Principal, membership_id: str) -> None:
    """Remove a member's second factors (they lost them all), so they sign in with their first factor and set new
    ones up. The admin never sees any secret; audited."""
    require_admin(actor)
    organizations.lock_as_admin(session, actor)
    membership = _get(session, membership_id)
    if membership.user_id == actor.user_id:
        raise Invalid("Change your own two-step verification on your account page.")
    with unscoped(session):
        elsewhere = session.exec(select(func.count(Membership.id)).where(Membership.user_id == membership.user_id,
                                                                         Membership.org_id != actor.org_id)).one()
    if elsewhere:
        # Factors belong to the account: an admin of one organization must not weaken it for the others.
        raise Forbidden("They belong to other organizations too, so their two-step verification can't be reset "
                        "from here. They can sign in with a backup code, or contact support.")
    mfa.remove_all(session=session, user_id=membership.user_id)
    security_events.record(session, session.get(User, membership.user_id), security_events.TWO_STEP_OFF,
                           reset_by=actor.email)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="member.two_step_reset",
                 detail=_email(session, membership))


def count(*, session: Session) -> int:
    return session.exec(select(func.count(Membership.id))).one()


def admin_count(session: Session) -> int:
    return session.exec(select(func.count(Membership.id)).where(Membership.role == Role.ADMIN)).one()


def _get(session: Session, membership_id: str) -> Membership:
    membership = session.get(Membership, membership_id) if text_input.is_line(membership_id) else None
    if membership is None:
        raise NotFound("Member not found.")
    return membership


def _email(session: Session, membership: Membership) -> str:
    return session.get(User, membership.user_id).email
