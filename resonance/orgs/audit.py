"""The audit log: one row per organization action, written in the action's own transaction; Admins see it together
with their members' security events (sign-ins, password and two-step changes: identity/security_events.py).

Those events belong to the person, not to an organization, so they are read, not copied: joined through this
organization's memberships (a tenant table: the scope and row-level security keep other organizations' members
out), from the moment each member joined, for as long as they are a member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from resonance.identity import security_events
from resonance.identity.models import SecurityEvent, User
from resonance.orgs.models import AuditEvent, Membership
from resonance.orgs.principal import Principal, require_admin


def record(*, session: Session, org_id: str, actor: Principal | None, action: str, detail: str = "") -> None:
    session.add(AuditEvent(
        org_id=org_id, actor_id=actor.user_id if actor else None, actor_email=actor.email if actor else "",
        action=action, detail=detail[:500],
    ))


def recent(*, session: Session, actor: Principal, limit: int = 100) -> list[AuditEvent]:
    """The organization's latest actions, newest first (Admins only)."""
    require_admin(actor)
    return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.created_at).desc()).limit(limit)))


@dataclass(frozen=True)
class Entry:
    id: str
    created_at: datetime
    who: str  # an email; "" for the system
    action: str
    detail: str


def members_security(*, session: Session, actor: Principal, limit: int = 100) -> list[Entry]:
    """The latest security events of the organization's members since they joined, newest first (Admins only)."""
    require_admin(actor)
    rows = session.exec(
        select(SecurityEvent, User.email)
        .join(Membership, Membership.user_id == SecurityEvent.user_id)
        .join(User, User.id == SecurityEvent.user_id)
        .where(Membership.org_id == actor.org_id, col(SecurityEvent.kind).in_(security_events.ORG_VISIBLE),
               SecurityEvent.created_at >= Membership.created_at)
        .order_by(col(SecurityEvent.created_at).desc()).limit(limit)
    ).all()
    return [Entry(id=e.id, created_at=e.created_at, who=email or "", action=f"account.{e.kind}",
                  detail=" · ".join(p for p in (security_events.describe(e), e.device, e.place) if p))
            for e, email in rows]


def log(*, session: Session, actor: Principal, limit: int = 100) -> list[Entry]:
    """What an Admin's audit log shows: the organization's actions and its members' security events, newest first."""
    actions = [Entry(id=e.id, created_at=e.created_at, who=e.actor_email, action=e.action, detail=e.detail)
               for e in recent(session=session, actor=actor, limit=limit)]
    merged = actions + members_security(session=session, actor=actor, limit=limit)
    return sorted(merged, key=lambda e: e.created_at, reverse=True)[:limit]
