"""Who is acting: resolved on the server from the session cookie for every event and request.

Nothing the browser sends (state vars, query strings, headers other than the cookie) picks the organization or
role: they come from the session row and a fresh membership lookup each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from resonance.core.errors import Forbidden, Unauthenticated
from resonance.identity import sessions
from resonance.identity.models import User
from resonance.orgs.models import Membership, Organization, Role
from resonance.orgs.scope import system_session


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    name: str
    session_id: str
    org_id: str | None = None
    org_name: str = ""
    role: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def resolve(*, session: Session, token: str | None) -> Principal | None:
    """The signed-in user behind a cookie token, with the active organization if they still belong to it."""
    row = sessions.resolve(session=session, token=token)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    org_id = org_name = role = None
    if row.active_org_id:
        found = session.exec(
            select(Membership, Organization)
            .join(Organization, Organization.id == Membership.org_id)
            .where(Membership.org_id == row.active_org_id, Membership.user_id == user.id)
        ).first()
        if found is not None:
            membership, org = found
            org_id, org_name, role = org.id, org.name, membership.role
    return Principal(user.id, user.email, user.name, row.id, org_id, org_name or "", role)


def from_cookie(token: str | None) -> Principal | None:
    """`resolve` in its own unit of work (the last-seen touch commits)."""
    with system_session() as session:
        return resolve(session=session, token=token)


def require_user(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("Sign in to continue.")
    return principal


def require_org(principal: Principal | None) -> Principal:
    principal = require_user(principal)
    if principal.org_id is None:
        raise Unauthenticated("Choose an organization to continue.")
    return principal


def require_admin(principal: Principal | None) -> Principal:
    principal = require_org(principal)
    if not principal.is_admin:
        raise Forbidden("Only admins can do this.")
    return principal
