"""One-time email tokens: a link token and optionally a 6-digit code, valid a few minutes, usable once, stored
as keyed digests."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, true
from sqlmodel import Session, col, select, update

from resonance.core import security
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity.models import EmailToken, User

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
SIGN_IN_LINK = "sign_in_link"
NOT_ME = "not_me"  # the "This wasn't me" link of a security email (identity/not_me.py)

EXPIRED = "This code or link has expired or was already used. Request a new one."

ANY_BROWSER = object()  # `browser` of a token not bound to one (resets, sign-in links, an address being given)


def browser_hash(browser: str | None) -> str | None:
    """What a token stores of the browser secret it is bound to."""
    return security.digest(f"browser:{browser}") if browser else None


def _of_browser(browser):
    """The where-clause picking the tokens bound to `browser` (none when it is None), or true for ANY_BROWSER."""
    if browser is ANY_BROWSER:
        return true()
    return EmailToken.browser_hash == (browser_hash(browser) or "-")


@dataclass(frozen=True)
class Issued:
    token: str
    code: str | None


def issue(*, session: Session, user: User, purpose: str, with_code: bool, email: str | None = None,
          password_hash: str | None = None, name: str | None = None, browser: str | None = None) -> Issued:
    """A fresh token (and code); earlier unused ones of the same purpose stop working (with `browser`, only those
    of that browser: other browsers' sign-up attempts keep theirs). Refused within the resend cooldown of the
    user's last one, whichever browser asked (it paces mail to the mailbox). `email`: the address it proves when
    not the user's own; `password_hash`, `name`, `browser`: the sign-up attempt it belongs to (EmailToken)."""
    s = get_settings()
    now = clock.now()
    last = latest(session=session, user=user, purpose=purpose)
    if last is not None and (wait := last.created_at + timedelta(seconds=s.EMAIL_RESEND_SECONDS) - now) > timedelta(0):
        seconds = max(1, int(wait.total_seconds() + 0.999))
        raise RateLimited(f"Please wait {seconds} s before asking for another email", retry_after=seconds)
    void(session=session, user_id=user.id, purpose=purpose, browser=browser if browser else ANY_BROWSER)
    token = security.new_token()
    code = security.new_code() if with_code else None
    session.add(
        EmailToken(
            user_id=user.id, purpose=purpose, token_hash=security.digest(token),
            code_hash=security.digest(f"{user.id}:{code}") if code else None, email=email,
            password_hash=password_hash, name=name, browser_hash=browser_hash(browser),
            expires_at=now + timedelta(minutes=s.EMAIL_CODE_MINUTES),
        )
    )
    return Issued(token, code)


def issue_link(*, session: Session, user: User, purpose: str, lifetime: timedelta) -> str:
    """A link token (no code) that leaves the user's other live tokens of `purpose` working, with no resend
    cooldown: one per notice mail, each usable once (the mails are paced by what they tell of)."""
    token = security.new_token()
    session.add(EmailToken(user_id=user.id, purpose=purpose, token_hash=security.digest(token),
                           expires_at=clock.now() + lifetime))
    return token


def void(*, session: Session, user_id: str, purpose: str, browser=ANY_BROWSER) -> None:
    """The user's unused tokens of `purpose` (of `browser`) stop working."""
    session.exec(
        update(EmailToken)
        .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose, col(EmailToken.used_at).is_(None),
               _of_browser(browser))
        .values(used_at=clock.now())
    )


def latest(*, session: Session, user: User, purpose: str, browser=ANY_BROWSER) -> EmailToken | None:
    """The user's most recent token of this purpose (of this browser), used or not."""
    return session.exec(
        select(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, _of_browser(browser))
        .order_by(col(EmailToken.created_at).desc())
    ).first()


def live_elsewhere(*, session: Session, user: User, purpose: str, browser: str | None) -> bool:
    """Whether a live token of this purpose belongs to another browser than `browser` (or to none)."""
    mine = browser_hash(browser) or "-"
    return session.exec(
        select(EmailToken.id)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, col(EmailToken.used_at).is_(None),
               EmailToken.expires_at > clock.now(),
               or_(col(EmailToken.browser_hash).is_(None), EmailToken.browser_hash != mine))
    ).first() is not None


def consume_link(*, session: Session, token: str, purpose: str) -> EmailToken:
    """The live token behind a link, now marked used; `Invalid` when unknown, used or expired."""
    row = session.exec(
        select(EmailToken).where(EmailToken.token_hash == security.digest(token), EmailToken.purpose == purpose)
    ).first()
    return _use(row)


def consume_code(*, session: Session, user: User, code: str, purpose: str, browser=ANY_BROWSER) -> EmailToken:
    """The user's live token (the one of `browser`, when given) whose code matches; each guess counts, and the
    token dies at CODE_ATTEMPT_LIMIT. A code of another browser's token is a wrong guess here.

    A guess first takes one of the token's places in one statement, which locks the token until the guess is
    committed, and only then is compared: however many guesses arrive at once, at most CODE_ATTEMPT_LIMIT are ever
    compared, and a right one uses the token before the next guess can take a place."""
    row = session.exec(
        select(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, col(EmailToken.used_at).is_(None),
               _of_browser(browser))
        .order_by(col(EmailToken.created_at).desc())
    ).first()
    if row is None or row.expires_at <= clock.now():
        raise Invalid(EXPIRED)
    limit = get_settings().CODE_ATTEMPT_LIMIT
    # The row stays locked until this unit of work ends (committed even when the guess is wrong).
    taken = session.exec(
        update(EmailToken)
        .where(EmailToken.id == row.id, col(EmailToken.used_at).is_(None), EmailToken.attempts < limit)
        .values(attempts=EmailToken.attempts + 1)
        .returning(EmailToken.attempts)
    ).first()
    if taken is None:
        raise Invalid(EXPIRED)
    if not hmac.compare_digest(row.code_hash or "", security.digest(f"{user.id}:{code.strip()}")):
        if taken[0] >= limit:
            session.exec(update(EmailToken).where(EmailToken.id == row.id).values(used_at=clock.now()))
        raise Invalid("That code is not right." if taken[0] < limit else EXPIRED, persist=True)
    session.exec(update(EmailToken).where(EmailToken.id == row.id).values(used_at=clock.now()))
    return row


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
