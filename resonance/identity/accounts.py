"""Accounts: sign up, email verification, password reset and change, profile.

Answers never reveal whether an email has an account: sign-up of a taken address and a reset for an unknown one
look the same to the person asking; only the mailbox owner learns more.

An address belongs to an account only once its mailbox is proven (an emailed code or link, a magic link, a password
reset, or a provider that verified it). Proving it drops every claim on it that was never proven
(`claim_mailbox`): sign-ups that were not the one verifying, provider links that came with an unverified address,
sessions. An account made through a provider that did not vouch for an address has none (`email` None) until its
owner gives one and proves it (`request_email`, then the emailed code or link).
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select, update

from resonance.core import security, text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity import sessions, tokens
from resonance.identity.models import EmailToken, User
from resonance.identity.oauth.models import ExternalIdentity
from resonance.identity.passwords import validate_password
from resonance.mail import service as mail
from resonance.mail import templates

MAX_NAME = 120
TAKEN = ("This email address belongs to another account. Sign in to that account instead; you can connect "
         "{provider} to it from your account page.")


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
    password_hash = security.hash_password(password)
    if user is None:
        user = User(email=email, name=name, password_hash=password_hash)
    # An unverified registration of this address keeps its password until a mailbox proof: this sign-up's password
    # travels with its own code, so whoever signed up before or after cannot end up with the account.
    user.name, user.updated_at = name, clock.now()
    session.add(user)
    session.flush()
    try:
        send_verification(session=session, user=user, password_hash=password_hash)
    except RateLimited:
        pass  # a code went out seconds ago and still works; saying 'wait' would reveal the registration


def send_verification(*, session: Session, user: User, to: str | None = None, password_hash: str | None = None) -> None:
    """Email a code and link proving `to` (the user's own address by default); `password_hash` is set when it does."""
    issued = tokens.issue(session=session, user=user, purpose=tokens.VERIFY_EMAIL, with_code=True,
                          email=to, password_hash=password_hash)
    minutes = int(get_settings().EMAIL_CODE_MINUTES)
    if to is not None:  # an address given: proven only by its code, typed where it was asked for
        mail.send(session=session, to=to, message=templates.claim_email(code=issued.code or "", minutes=minutes))
        return
    link = _url(f"/verify-email?token={issued.token}")
    mail.send(session=session, to=user.email,
              message=templates.verify_email(name=user.name, code=issued.code or "", link=link, minutes=minutes))


def resend_verification(*, session: Session, email: str) -> None:
    """Send a new code if the address waits for verification; silently nothing otherwise (no enumeration)."""
    user = find_by_email(session=session, email=email)
    if user is not None and user.email_verified_at is None:
        last = tokens.latest(session=session, user=user, purpose=tokens.VERIFY_EMAIL)
        send_verification(session=session, user=user, password_hash=last.password_hash if last else None)


def verify_code(*, session: Session, email: str, code: str) -> User:
    user = find_by_email(session=session, email=email)
    if user is None or user.email_verified_at is not None:
        raise Invalid(tokens.EXPIRED)
    row = tokens.consume_code(session=session, user=user, code=code, purpose=tokens.VERIFY_EMAIL)
    return _proven(session, user, row)


def verify_link(*, session: Session, token: str) -> User:
    row = tokens.consume_link(session=session, token=token, purpose=tokens.VERIFY_EMAIL)
    if row.email is not None:  # a given address is never proven by a link (claim_email)
        raise Invalid(tokens.EXPIRED)
    return _proven(session, session.get(User, row.user_id), row)


def _proven(session: Session, user: User, row: EmailToken) -> User:
    if row.email is not None:  # an address given by an account without one
        return _take_email(session, user, row.email)
    return claim_mailbox(session=session, user=user, password_hash=row.password_hash or user.password_hash)


def claim_mailbox(*, session: Session, user: User, password_hash: str | None = None) -> User:
    """The mailbox owner has just proven the address: by the emailed code or link of their sign-up (`password_hash`
    is that sign-up's password), a password reset (the new one), a magic link or a provider that verified it (no
    password). An account that was never verified may hold claims of someone else (pre-account takeover); they all
    go: other sign-ups' passwords, provider links that came with an unverified address, sessions, and pending
    codes and links."""
    if user.email_verified_at is not None:
        return user
    session.exec(
        delete(ExternalIdentity)
        .where(ExternalIdentity.user_id == user.id,
               ~(col(ExternalIdentity.email_verified) & (ExternalIdentity.email == user.email)))
    )
    sessions.revoke_all(session=session, user_id=user.id)
    session.exec(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, col(EmailToken.used_at).is_(None))
        .values(used_at=clock.now())
    )
    user.password_hash = password_hash
    user.failed_signins, user.locked_until = 0, None
    user.email_verified_at, user.updated_at = clock.now(), clock.now()
    session.add(user)
    return user


def request_email(*, session: Session, user_id: str, email: str) -> str:
    """An account without an address gives one: a code goes to it, and the address is the account's once the code
    comes back to this account (`verify_claimed_email`). Returns the normalised address. Whether the address has
    another account is told only to whoever proves the mailbox."""
    email = normalize_email(email)
    user = session.get(User, user_id)
    if user is None or user.email is not None:
        raise Invalid(tokens.EXPIRED)
    send_verification(session=session, user=user, to=email)
    return email


def verify_claimed_email(*, session: Session, user_id: str, code: str, provider: str = "") -> User:
    """The code sent by `request_email`: the address becomes the account's, verified."""
    user = session.get(User, user_id)
    if user is None or user.email is not None:
        raise Invalid(tokens.EXPIRED)
    row = tokens.consume_code(session=session, user=user, code=code, purpose=tokens.VERIFY_EMAIL)
    if row.email is None:
        raise Invalid(tokens.EXPIRED)
    return _take_email(session, user, row.email, provider=provider)


def _take_email(session: Session, user: User, email: str, *, provider: str = "") -> User:
    """`email` was just proven by the owner of `user`, an account without one. A verified account holding it stays
    separate (no merge: the person signs in there and connects the provider); an unverified registration of it is
    a claim never proven, and goes."""
    holder = find_by_email(session=session, email=email)
    if holder is not None and holder.email_verified_at is not None:
        raise Invalid(TAKEN.format(provider=provider or "this sign-in"), persist=True)
    if holder is not None:
        session.delete(holder)
    session.flush()  # the transaction is open before the savepoint (pysqlite would otherwise start it there)
    user.email, user.email_verified_at, user.updated_at = email, clock.now(), clock.now()
    session.add(user)
    try:
        with session.begin_nested():  # someone verified or registered it this instant: the unique index decides
            session.flush()
    except IntegrityError:
        raise Invalid(TAKEN.format(provider=provider or "this sign-in")) from None
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
    password_hash = security.hash_password(password)
    claim_mailbox(session=session, user=user, password_hash=password_hash)  # the link proved the mailbox
    user.password_hash = password_hash
    user.failed_signins, user.locked_until = 0, None
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
