"""Who is acting: resolved on the server from the session cookie for every event and request.

Nothing the browser sends (state vars, query strings, headers other than the cookie) picks the organization or
role: they come from the session row and a fresh membership lookup each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_
from sqlmodel import Session, select

from resonance.core import security

from resonance.core.errors import Forbidden, Unauthenticated
from resonance.identity import sessions
from resonance.identity.models import AuthSession, User
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
    """The signed-in user behind a cookie token, with the active organization if they still belong to it.

    One query (session, user, and the membership in the session's active organization, outer-joined): this runs
    for every event, so it is kept to a single round trip.
    """
    if not token:
        return None
    found = session.exec(
        select(AuthSession, User, Membership.role, Organization.id, Organization.name)
        .join(User, User.id == AuthSession.user_id)
        .outerjoin(Membership, and_(Membership.org_id == AuthSession.active_org_id, Membership.user_id == User.id))
        .outerjoin(Organization, Organization.id == Membership.org_id)
        .where(AuthSession.token_hash == security.digest(token))
    ).first()
    if found is None or not sessions.keep_alive(session=session, row=found[0]):
        return None
    row, user, role, org_id, org_name = found
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
