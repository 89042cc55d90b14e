"""The audit log: one row per organization action, written in the action's own transaction."""

from __future__ import annotations

from sqlmodel import Session, col, select

from resonance.orgs.models import AuditEvent
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
