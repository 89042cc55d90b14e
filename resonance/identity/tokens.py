"""One-time email tokens: a link token and optionally a 6-digit code, valid a few minutes, usable once, stored
as keyed digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select, update

from resonance.core import security
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity.models import EmailToken, User

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
SIGN_IN_LINK = "sign_in_link"

EXPIRED = "This code or link has expired or was already used. Request a new one."


@dataclass(frozen=True)
class Issued:
    token: str
    code: str | None


def issue(*, session: Session, user: User, purpose: str, with_code: bool, email: str | None = None,
          password_hash: str | None = None) -> Issued:
    """A fresh token (and code); earlier unused ones of the same purpose stop working. Refused within the resend
    cooldown of the last one. `email`: the address it proves when not the user's own; `password_hash`: the password
    that takes effect when it does (EmailToken)."""
    s = get_settings()
    now = clock.now()
    last = latest(session=session, user=user, purpose=purpose)
    if last is not None and (wait := last.created_at + timedelta(seconds=s.EMAIL_RESEND_SECONDS) - now) > timedelta(0):
        seconds = max(1, int(wait.total_seconds() + 0.999))
        raise RateLimited(f"Please wait {seconds} s before asking for another email", retry_after=seconds)
    session.exec(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, col(EmailToken.used_at).is_(None))
        .values(used_at=now)
    )
    token = security.new_token()
    code = security.new_code() if with_code else None
    session.add(
        EmailToken(
            user_id=user.id, purpose=purpose, token_hash=security.digest(token),
            code_hash=security.digest(f"{user.id}:{code}") if code else None, email=email,
            password_hash=password_hash,
            expires_at=now + timedelta(minutes=s.EMAIL_CODE_MINUTES),
        )
    )
    return Issued(token, code)


def latest(*, session: Session, user: User, purpose: str) -> EmailToken | None:
    """The user's most recent token of this purpose, used or not."""
    return session.exec(
        select(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose)
        .order_by(col(EmailToken.created_at).desc())
    ).first()


def consume_link(*, session: Session, token: str, purpose: str) -> EmailToken:
    """The live token behind a link, now marked used; `Invalid` when unknown, used or expired."""
    row = session.exec(
        select(EmailToken).where(EmailToken.token_hash == security.digest(token), EmailToken.purpose == purpose)
    ).first()
    return _use(row)


def consume_code(*, session: Session, user: User, code: str, purpose: str) -> EmailToken:
    """The user's live token whose code matches; each wrong guess counts, and the token dies after a few."""
    row = session.exec(
        select(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, col(EmailToken.used_at).is_(None))
        .order_by(col(EmailToken.created_at).desc())
    ).first()
    if row is None or row.expires_at <= clock.now():
        raise Invalid(EXPIRED)
    if row.code_hash != security.digest(f"{user.id}:{code.strip()}"):
        row.attempts += 1
        if row.attempts >= get_settings().CODE_ATTEMPT_LIMIT:
            row.used_at = clock.now()
        session.add(row)
        raise Invalid("That code is not right." if row.used_at is None else EXPIRED, persist=True)
    return _use(row)


def peek_link(*, session: Session, token: str, purpose: str) -> EmailToken | None:
    """The live token behind a link without using it (to show a form before acting)."""
    row = session.exec(
        select(EmailToken).where(EmailToken.token_hash == security.digest(token), EmailToken.purpose == purpose)
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    return row


def _use(row: EmailToken | None) -> EmailToken:
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        raise Invalid(EXPIRED)
    row.used_at = clock.now()
    return row
