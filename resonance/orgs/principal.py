"""Who is acting: resolved on the server from the session cookie for every event and request.

Nothing the browser sends (state vars, query strings, headers other than the cookie) picks the organization or
role: they come from the session row and a fresh membership lookup each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlmodel import Session

from resonance.core import logs, security
from resonance.core.clock import clock
from resonance.core.db import execute_alone, read_first_row
from resonance.core.errors import Forbidden, Unauthenticated
from resonance.identity import sessions
from resonance.identity.factors import has_second_factor
from resonance.identity.models import AuthSession, User
from resonance.orgs.models import Membership, Organization, Role


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    name: str
    session_id: str
    org_id: str | None = None
    org_name: str = ""
    role: str | None = None
    # The active organization requires two-step verification and this user has none: it is left out (org_id None)
    # until they set it up; this names it for the page that asks them to.
    two_step_for: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


# Session, user, and the membership in the session's active organization (outer-joined), by the cookie's digest:
# columns only, as every signed-in event runs it.
_LOOKUP = (
    select(AuthSession.id, AuthSession.created_at, AuthSession.last_seen_at, AuthSession.revoked_at,
           User.id, User.email, User.name, Membership.role, Organization.id, Organization.name,
           Organization.require_two_step, has_second_factor(User.id))
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Membership, and_(Membership.org_id == AuthSession.active_org_id, Membership.user_id == User.id))
    .outerjoin(Organization, Organization.id == Membership.org_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


def resolve(*, session: Session, token: str | None) -> Principal | None:
    """The signed-in user behind a cookie token, with the active organization if they still belong to it (inside
    the caller's unit of work, which must be a system session)."""
    if not token:
        return None
    row = session.execute(_LOOKUP, {"token_hash": security.digest(token)}).first()
    return _admit(row, session=session)


def from_cookie(token: str | None) -> Principal | None:
    """`resolve` for every event and request: one round trip to the database (see `read_first_row`), and one more
    for the once-a-minute last-seen write or for revoking an expired session."""
    if not token:
        return None
    found = _admit(read_first_row(_LOOKUP, {"token_hash": security.digest(token)}, system=True))
    if found is not None:
        logs.identify(user_id=found.user_id, org_id=found.org_id)  # the request's or event's log lines name them
    return found


def _admit(row, *, session: Session | None = None) -> Principal | None:
    if row is None:
        return None
    (session_id, created_at, last_seen_at, revoked_at, user_id, email, name, role, org_id, org_name,
     require_two_step, has_second_factor) = row
    now = clock.now()
    state = sessions.liveness(created_at=created_at, last_seen_at=last_seen_at, revoked_at=revoked_at, now=now)
    write = sessions.liveness_update(session_id, state, now)
    if write is not None:
        if session is not None:
            session.exec(write)
        else:
            execute_alone(write)  # one statement on auth_sessions: no unit of work needed
    if state not in (sessions.Liveness.LIVE, sessions.Liveness.DUE):
        return None
    if org_id is not None and require_two_step and not has_second_factor:
        return Principal(user_id, email, name, session_id, two_step_for=org_name)
    return Principal(user_id, email, name, session_id, org_id, org_name or "", role)


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
