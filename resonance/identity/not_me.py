"""The "This wasn't me" link of every security email (identity/security_events.py): a single-use token (purpose
not_me, stored as a keyed digest) whose page asks for a click; the click signs the account out everywhere, removes its
password and second factors (an intruder may have added their own), and emails a link to choose a new password.

Opening the link changes nothing (mail scanners open links); only the page's button does. Every "This wasn't me"
link of the account stops working once one is used.
"""

from __future__ import annotations

from sqlmodel import Session

from resonance.core.errors import Invalid
from resonance.identity import accounts, mfa, security_events, sessions, tokens
from resonance.identity.models import User


def peek(*, session: Session, token: str) -> User | None:
    """The account a live link is for, without using it (the page names it); None when it no longer works."""
    row = tokens.peek_link(session=session, token=token, purpose=tokens.NOT_ME) if token else None
    return session.get(User, row.user_id) if row is not None else None


def secure(*, session: Session, token: str, ip: str = "", user_agent: str = "") -> User:
    """Use the link: sign the account out everywhere and email it a password reset link. `Invalid` when the link is
    unknown, used or expired."""
    row = tokens.consume_link(session=session, token=token, purpose=tokens.NOT_ME)
    user = session.get(User, row.user_id)
    if user is None:
        raise Invalid(tokens.EXPIRED)
    tokens.void(session=session, user_id=user.id, purpose=tokens.NOT_ME)
    signed_out = sessions.revoke_all(session=session, user_id=user.id)
    # Whoever was in may have added a passkey or an authenticator of their own, and knows the password: all go.
    # The owner signs in again through the reset link and sets up their factors anew.
    mfa.remove_all(session=session, user_id=user.id)
    user.password_hash = None
    session.add(user)
    security_events.record(session, user, security_events.SECURED, ip=ip, user_agent=user_agent,
                           sessions_signed_out=signed_out)
    if user.email:
        accounts.request_password_reset(session=session, email=user.email)
    return user
