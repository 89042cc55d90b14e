"""Password sign-in with per-IP rate limits and per-account lockout.

Unknown email and wrong password get the same message and cost the same argon2 work (timing attacks).

The lockout is counted in the database, each step one statement committed on its own, so concurrent attempts
cannot overwrite each other's count. An attempt first takes one of the LOCKOUT_THRESHOLD places an account has per
lockout period, and only then verifies the password; the statement that takes the last place also locks the account.
However many guesses arrive at once, at most LOCKOUT_THRESHOLD passwords are verified per period, and a locked
account is refused before any argon2 work: its message says it is locked, so answering sooner tells nothing more.
A right password clears the count and the lock, except for an account with two-step verification: its second-step
attempts count here too, and only a right second step clears them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, literal, null, or_, select, true, update
from sqlmodel import Session

from resonance.core import ratelimit, security, text_input
from resonance.core.clock import clock
from resonance.core.db import execute_alone, first_row_alone, read_first_row
from resonance.core.errors import Forbidden, Unauthenticated
from resonance.identity.factors import has_second_factor
from resonance.identity.models import User

WRONG = "Incorrect email or password."


class EmailNotVerified(Forbidden):
    """Right password, but the address was never verified: the person is sent to verify it."""


def authenticate(*, session: Session, email: str, password: str, ip: str) -> User:
    """The user for these credentials, or an error saying what the person may know."""
    ratelimit.hit(ratelimit.SIGN_IN, ip or "?")
    if not text_input.is_line(email or "") or not isinstance(password or "", str):
        security.verify_password(security.dummy_hash(), "")  # the same work as for an unknown address
        raise Unauthenticated(WRONG)
    email = (email or "").strip().lower()
    now = clock.now()
    threshold, lock_seconds = ratelimit.rate(ratelimit.SIGN_IN_FAILURES)
    attempt = _take_attempt(User.email == email, now=now, threshold=threshold,
                            lock_until=now + timedelta(seconds=lock_seconds))
    if attempt is None:
        found = read_first_row(_LOCK_OF, {"email": email})
        if found is None:  # no such account, or one without a password
            security.verify_password(security.dummy_hash(), password or "")
            raise Unauthenticated(WRONG)
        locked_until = found[0]
        remaining = locked_until - now if locked_until and locked_until > now else timedelta(seconds=lock_seconds)
        raise Forbidden(_locked_message(remaining))
    user_id, password_hash, failures = attempt
    if not security.verify_password(password_hash, password or ""):
        if failures >= threshold:
            raise Forbidden(_locked_message(timedelta(seconds=lock_seconds)))
        raise Unauthenticated(WRONG)
    # A right password clears the count, unless a second step follows: then only that step's success does, or
    # someone holding the password could re-open the count between rounds of guessing codes.
    execute_alone(update(User).where(User.id == user_id, ~has_second_factor(User.id))
                  .values(failed_signins=0, locked_until=None))
    user = session.get(User, user_id)
    if user.email_verified_at is None:
        raise EmailNotVerified("Verify your email address first. We sent you a code.")
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
        session.add(user)
    return user


# The lock of an account with a password (the answer for an attempt that found no place).
_LOCK_OF = select(User.locked_until).where(User.email == bindparam("email"), User.password_hash.is_not(None))


def second_factor_attempt(user_id: str) -> Callable[[Session, bool], None]:
    """Count a second-factor attempt of the account the first factor proved, toward the same lockout as passwords
    (refused with the lock's message when the account is locked or this attempt locks it); call what it returns
    with the unit of work that checked the code and whether it was right: a right one clears the count there."""
    now = clock.now()
    threshold, lock_seconds = ratelimit.rate(ratelimit.SIGN_IN_FAILURES)
    attempt = _take_attempt(User.id == user_id, now=now, threshold=threshold,
                            lock_until=now + timedelta(seconds=lock_seconds), with_password=False)
    if attempt is None:
        found = read_first_row(select(User.locked_until).where(User.id == bindparam("id")), {"id": user_id})
        locked_until = found[0] if found else None
        remaining = locked_until - now if locked_until and locked_until > now else timedelta(seconds=lock_seconds)
        raise Forbidden(_locked_message(remaining))

    def outcome(session: Session, right: bool) -> None:
        if right:  # in the checking unit of work: on SQLite, it holds the write lock already
            session.exec(update(User).where(User.id == user_id).values(failed_signins=0, locked_until=None))
        elif attempt[2] >= threshold:
            raise Forbidden(_locked_message(timedelta(seconds=lock_seconds)))

    return outcome


def _take_attempt(account, *, now: datetime, threshold: int, lock_until: datetime,
                  with_password: bool = True) -> tuple | None:
    """(id, password hash, failures counting this attempt) of the `account` (a condition on users, with a password
    unless `with_password` is False), once this attempt is counted; None when there is no such account or it is
    locked. An expired lock starts a new count; the attempt that reaches the threshold sets the lock."""
    counted = case((User.locked_until.is_(None), User.failed_signins + 1), else_=1)
    return first_row_alone(
        update(User)
        .where(account, User.password_hash.is_not(None) if with_password else true(),
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_signins=counted,
                locked_until=case((counted >= threshold, literal(lock_until, User.locked_until.type)), else_=null()))
        .returning(User.id, User.password_hash, User.failed_signins)
    )


def _locked_message(remaining: timedelta) -> str:
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return f"Too many failed attempts. This account is locked; try again in {minutes} minute{'s' if minutes > 1 else ''}."
