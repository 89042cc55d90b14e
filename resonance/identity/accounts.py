"""Accounts: sign up, email verification, password reset and change, profile.

Answers never reveal whether an email has an account: sign-up of a taken address and a reset for an unknown one
look the same to the person asking; only the mailbox owner learns more.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlmodel import Session, func, select

from resonance.core import security, text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity import sessions, tokens
from resonance.identity.models import User
from resonance.identity.passwords import validate_password
from resonance.mail import service as mail
from resonance.mail import templates

MAX_NAME = 120


def normalize_email(email: str) -> str:
    email = email.strip().lower() if isinstance(email, str) else ""
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 320 or " " in email or not text_input.is_line(email):
        raise Invalid("Enter a valid email address.")
    return email


def find_by_email(*, session: Session, email: str) -> User | None:
    email = email.strip().lower() if isinstance(email, str) else ""
    if not email or not text_input.is_line(email):
        return None  # an address no account can have
    return session.exec(select(User).where(User.email == email)).first()


def sign_up(*, session: Session, name: str, email: str, password: str) -> None:
    """Register (or refresh an unverified registration) and email a code; a verified address gets a warning mail."""
    name = text_input.line(name, "Name")
    if not name:
        raise Invalid("Enter your name.")
    if len(name) > MAX_NAME:
        raise Invalid(f"Name must be at most {MAX_NAME} characters.")
    email = normalize_email(email)
    validate_password(password, email=email, name=name)
    user = find_by_email(session=session, email=email)
    if user is not None and user.email_verified_at is not None:
        mail.send(session=session, to=email, message=templates.account_exists(link=_url("/sign-in")))
        return
    if user is None:
        user = User(email=email, name=name)
    user.name, user.password_hash, user.updated_at = name, security.hash_password(password), clock.now()
    session.add(user)
    session.flush()
    try:
        send_verification(session=session, user=user)
    except RateLimited:
        pass  # a code went out seconds ago and still works; saying 'wait' would reveal the registration


def send_verification(*, session: Session, user: User) -> None:
    issued = tokens.issue(session=session, user=user, purpose=tokens.VERIFY_EMAIL, with_code=True)
    link = _url(f"/verify-email?token={issued.token}")
    minutes = int(get_settings().EMAIL_CODE_MINUTES)
    mail.send(session=session, to=user.email,
              message=templates.verify_email(name=user.name, code=issued.code or "", link=link, minutes=minutes))


def resend_verification(*, session: Session, email: str) -> None:
    """Send a new code if the address waits for verification; silently nothing otherwise (no enumeration)."""
    user = find_by_email(session=session, email=email)
    if user is not None and user.email_verified_at is None:
        send_verification(session=session, user=user)


def verify_code(*, session: Session, email: str, code: str) -> User:
    user = find_by_email(session=session, email=email)
    if user is None or user.email_verified_at is not None:
        raise Invalid(tokens.EXPIRED)
    tokens.consume_code(session=session, user=user, code=code, purpose=tokens.VERIFY_EMAIL)
    return _mark_verified(session, user)


def verify_link(*, session: Session, token: str) -> User:
    row = tokens.consume_link(session=session, token=token, purpose=tokens.VERIFY_EMAIL)
    return _mark_verified(session, session.get(User, row.user_id))


def _mark_verified(session: Session, user: User) -> User:
    user.email_verified_at = user.email_verified_at or clock.now()
    session.add(user)
    return user


def claim_mailbox(*, session: Session, user: User) -> User:
    """The mailbox owner has just proven the address (a magic link, or a provider that verified it). An account that
    was never verified may have been registered by someone else (pre-account takeover): its password goes, so only
    the owner can get in (they can set one with "Forgot password")."""
    if user.email_verified_at is None:
        user.password_hash = None
        user.email_verified_at, user.updated_at = clock.now(), clock.now()
        session.add(user)
    return user


def request_password_reset(*, session: Session, email: str) -> None:
    """Email a reset link if the address has an account; the caller's answer is the same either way."""
    try:
        email = normalize_email(email)
    except Invalid:
        return
    user = find_by_email(session=session, email=email)
    if user is None:
        return
    try:
        issued = tokens.issue(session=session, user=user, purpose=tokens.RESET_PASSWORD, with_code=False)
    except RateLimited:
        return  # the earlier mail is still fresh; saying so would reveal the account
    minutes = int(get_settings().EMAIL_CODE_MINUTES)
    mail.send(session=session, to=user.email, message=templates.password_reset(
        name=user.name, link=_url(f"/reset-password?token={issued.token}"), minutes=minutes))


def reset_password(*, session: Session, token: str, password: str) -> User:
    """Set a new password from a reset link; signs out every session and lifts a lockout."""
    row = tokens.peek_link(session=session, token=token, purpose=tokens.RESET_PASSWORD)
    if row is None:
        raise Invalid(tokens.EXPIRED)
    user = session.get(User, row.user_id)
    validate_password(password, email=user.email, name=user.name)
    tokens.consume_link(session=session, token=token, purpose=tokens.RESET_PASSWORD)
    user.password_hash = security.hash_password(password)
    user.failed_signins, user.locked_until = 0, None
    user.email_verified_at = user.email_verified_at or clock.now()  # the link proved the mailbox
    user.updated_at = clock.now()
    session.add(user)
    sessions.revoke_all(session=session, user_id=user.id)
    return user


def change_password(*, session: Session, user_id: str, current: str, new: str, keep_session_id: str) -> None:
    """Change a password knowing the current one; other sessions are signed out (ASVS 3.3.3)."""
    user = session.get(User, user_id)
    if not user.password_hash or not security.verify_password(user.password_hash, current):
        raise Invalid("Your current password is not right.")
    validate_password(new, email=user.email, name=user.name)
    user.password_hash, user.updated_at = security.hash_password(new), clock.now()
    session.add(user)
    sessions.revoke_all(session=session, user_id=user.id, except_id=keep_session_id)


def rename(*, session: Session, user_id: str, name: str) -> User:
    name = text_input.line(name, "Name")
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"Name must be 1 to {MAX_NAME} characters.")
    user = session.get(User, user_id)
    user.name, user.updated_at = name, clock.now()
    session.add(user)
    return user


def count(*, session: Session) -> int:
    return session.exec(select(func.count(User.id))).one()


def _url(path: str) -> str:
    # Links are built from the configured base URL, never from a request's Host header.
    return get_settings().APP_URL + path


def sign_in_url(email: str) -> str:
    return _url(f"/sign-in?email={quote(email)}")
