"""Server-side sessions. The browser holds a random token in an HttpOnly cookie; the row holds its digest.

A sign-in first creates an unclaimed row and a short-lived signed ticket (pyjwt). The browser then posts the
ticket to a backend route, which claims the row once and sets the cookie: only an HTTP response can set an
HttpOnly cookie, and Reflex events run over a websocket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Update
from sqlmodel import Session, col, select, update

from resonance.core import security, text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Forbidden
from resonance.identity import security_events
from resonance.identity.models import AuthSession, User

HANDOFF_AUDIENCE = "resonance:session-handoff"
# Adding a way to sign in asks for a session this young: a stolen, older session cookie cannot plant a passkey or an
# authenticator of its own (as GitHub's "sudo mode").
RECENT_SIGN_IN = timedelta(minutes=15)
SIGN_IN_AGAIN = "For your security, sign out and sign in again (within the last 15 minutes) to add a way to sign in."


@dataclass(frozen=True)
class Claimed:
    auth_session: AuthSession
    cookie_token: str


def start(*, session: Session, user: User, ip: str = "", user_agent: str = "", active_org_id: str | None = None,
          method: str = "") -> str:
    """Create a new, unclaimed session for `user` (opening `active_org_id`, whose membership the caller checked)
    and return the ticket that claims it. Every sign-in passes here: it is recorded as a security event (how:
    `method`, security_events.PASSWORD…, or a provider's name), mailed when from a new device."""
    nonce = security.new_token()
    row = AuthSession(
        user_id=user.id, handoff_hash=security.digest(nonce), ip=ip[:64], user_agent=user_agent[:400],
        active_org_id=active_org_id,
    )
    session.add(row)
    session.flush()
    security_events.record(session, user, security_events.SIGNED_IN, ip=ip, user_agent=user_agent, method=method)
    lifetime = timedelta(seconds=get_settings().HANDOFF_SECONDS)
    return security.sign({"sid": row.id, "nonce": nonce}, audience=HANDOFF_AUDIENCE, lifetime=lifetime)


def claim(*, session: Session, ticket: str) -> Claimed | None:
    """Turn a valid, unused ticket into a cookie token (once). None for forged, expired or reused tickets."""
    claims = security.unsign(ticket, audience=HANDOFF_AUDIENCE)
    if claims is None:
        return None
    row = session.get(AuthSession, claims.get("sid"))
    if row is None or row.revoked_at or row.handoff_hash != security.digest(str(claims.get("nonce"))):
        return None
    token = security.new_token()
    row.token_hash, row.handoff_hash, row.last_seen_at = security.digest(token), None, clock.now()
    session.add(row)
    return Claimed(row, token)


def resolve(*, session: Session, token: str | None) -> AuthSession | None:
    """The live session behind a cookie token, its idle window slid forward; None when unknown, revoked or expired."""
    if not token:
        return None
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == security.digest(token))).first()
    return row if keep_alive(session=session, row=row) else None


class Liveness(StrEnum):
    LIVE = "live"
    DUE = "due"  # live, and its last-seen time is due to be written
    EXPIRED = "expired"  # idle or absolute window passed: revoke it now
    REVOKED = "revoked"


def liveness(*, created_at: datetime, last_seen_at: datetime, revoked_at: datetime | None,
             now: datetime | None = None) -> Liveness:
    """Where a looked-up session stands. Last-seen is written at most every SESSION_TOUCH_SECONDS, so validating an
    event is normally one read."""
    if revoked_at is not None:
        return Liveness.REVOKED
    s, now = get_settings(), now or clock.now()
    idle_over = last_seen_at + timedelta(days=s.SESSION_IDLE_DAYS) <= now
    absolute_over = s.SESSION_ABSOLUTE_DAYS and created_at + timedelta(days=s.SESSION_ABSOLUTE_DAYS) <= now
    if idle_over or absolute_over:
        return Liveness.EXPIRED
    if (now - last_seen_at).total_seconds() >= s.SESSION_TOUCH_SECONDS:
        return Liveness.DUE
    return Liveness.LIVE


def liveness_update(session_id: str, state: Liveness, now: datetime | None = None) -> Update | None:
    """The write for what `liveness` found, by the session's id (for a lookup that read columns, not the row):
    revoke an expired session, slide a due one's idle window. Never revives a session revoked in the meantime."""
    now = now or clock.now()
    live = update(AuthSession).where(AuthSession.id == session_id, col(AuthSession.revoked_at).is_(None))
    if state is Liveness.EXPIRED:
        return live.values(revoked_at=now)
    if state is Liveness.DUE:
        return live.values(last_seen_at=now)
    return None


def keep_alive(*, session: Session, row: AuthSession | None) -> bool:
    """Whether a looked-up session row is still live; revokes it when its window has passed and slides the idle
    window forward when due."""
    if row is None:
        return False
    now = clock.now()
    state = liveness(created_at=row.created_at, last_seen_at=row.last_seen_at, revoked_at=row.revoked_at, now=now)
    if state is Liveness.EXPIRED:
        row.revoked_at = now
        session.add(row)
    elif state is Liveness.DUE:
        row.last_seen_at = now
        session.add(row)
    return state in (Liveness.LIVE, Liveness.DUE)


def end(*, session: Session, token: str | None) -> None:
    """Sign out the session behind this cookie token (if any)."""
    row = resolve(session=session, token=token)
    if row is not None:
        row.revoked_at = clock.now()
        session.add(row)


def active_for(*, session: Session, user_id: str) -> list[AuthSession]:
    """The user's claimed, unrevoked sessions, most recently active first (expired ones are filtered on use)."""
    s, now = get_settings(), clock.now()
    rows = session.exec(
        select(AuthSession)
        .where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None), col(AuthSession.token_hash).is_not(None))
        .order_by(col(AuthSession.last_seen_at).desc())
    ).all()
    return [r for r in rows if r.last_seen_at + timedelta(days=s.SESSION_IDLE_DAYS) > now]


def revoke(*, session: Session, user_id: str, session_id: str) -> bool:
    """Sign out one of the user's own sessions; False when it is not theirs (or already gone)."""
    if not text_input.is_line(session_id):
        return False
    result = session.exec(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )
    return result.rowcount > 0


def revoke_all(*, session: Session, user_id: str, except_id: str | None = None) -> int:
    """Sign out every session of the user (but `except_id`)."""
    query = update(AuthSession).where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))
    if except_id:
        query = query.where(AuthSession.id != except_id)
    return session.exec(query.values(revoked_at=clock.now())).rowcount


def require_recent_sign_in(*, session: Session, session_id: str, message: str = SIGN_IN_AGAIN) -> None:
    """Refuse unless the session signed in within RECENT_SIGN_IN (before adding a passkey, an authenticator app or
    new backup codes, or deleting the account)."""
    row = session.get(AuthSession, session_id)
    if row is None or row.revoked_at is not None or row.created_at + RECENT_SIGN_IN < clock.now():
        raise Forbidden(message)
