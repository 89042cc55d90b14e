"""Password sign-in with per-IP rate limits and per-account lockout.

Unknown email and wrong password get the same message and cost the same argon2 work (timing attacks).
"""

from __future__ import annotations

import math
from datetime import timedelta

from resonance.core import ratelimit, security
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Forbidden, Unauthenticated
from resonance.identity.accounts import find_by_email
from resonance.identity.models import User
from sqlmodel import Session

WRONG = "Incorrect email or password."


class EmailNotVerified(Forbidden):
    """Right password, but the address was never verified: the person is sent to verify it."""


def authenticate(*, session: Session, email: str, password: str, ip: str) -> User:
    """The user for these credentials, or an error saying what the person may know."""
    s = get_settings()
    ratelimit.hit(ratelimit.SIGN_IN, ip or "?")
    user = find_by_email(session=session, email=email or "")
    if user is None or not user.password_hash:
        security.verify_password(security.dummy_hash(), password or "")
        raise Unauthenticated(WRONG)
    now = clock.now()
    if user.locked_until and user.locked_until > now:
        raise Forbidden(_locked_message(user.locked_until - now))
    if not security.verify_password(user.password_hash, password or ""):
        user.failed_signins += 1
        if user.failed_signins >= s.LOCKOUT_THRESHOLD:
            user.failed_signins, user.locked_until = 0, now + timedelta(minutes=s.LOCKOUT_MINUTES)
            session.add(user)
            raise Forbidden(_locked_message(user.locked_until - now), persist=True)
        session.add(user)
        raise Unauthenticated(WRONG, persist=True)
    if user.email_verified_at is None:
        raise EmailNotVerified("Verify your email address first. We sent you a code.")
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.failed_signins, user.locked_until = 0, None
    session.add(user)
    return user


def _locked_message(remaining: timedelta) -> str:
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return f"Too many failed attempts. This account is locked; try again in {minutes} minute{'s' if minutes > 1 else ''}."
