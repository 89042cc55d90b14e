"""Passwordless sign-in by emailed link: valid EMAIL_CODE_MINUTES (10), usable once, stored as a keyed digest
(identity/tokens.py, purpose sign_in_link), limited per address and per client IP.

Asking always gets the same answer, whether or not the address has an account (no enumeration): the limits count
every address, and an unknown one just gets no mail. Following the link proves the mailbox, so it also verifies it.
"""

from __future__ import annotations

from sqlmodel import Session

from resonance.core import ratelimit
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity import accounts, tokens
from resonance.identity.models import EmailToken, User
from resonance.identity.oauth.errors import Refused
from resonance.mail import service as mail
from resonance.mail import templates

SENT = "If an account uses that address, we just emailed it a sign-in link. It works once, for {minutes} minutes."


def request(*, session: Session, email: str, ip: str) -> str:
    """Email a sign-in link if the address has an account; the answer to show either way. `Invalid` for a malformed
    address, `RateLimited` (429) past a limit."""
    email = accounts.normalize_email(email)
    ratelimit.hit(ratelimit.MAGIC_LINK_IP, ip)
    ratelimit.hit(ratelimit.MAGIC_LINK_EMAIL, email)
    minutes = int(get_settings().EMAIL_CODE_MINUTES)
    user = accounts.find_by_email(session=session, email=email)
    if user is not None:
        try:
            issued = tokens.issue(session=session, user=user, purpose=tokens.SIGN_IN_LINK, with_code=False)
        except RateLimited:
            issued = None  # the link sent seconds ago still works; saying "wait" would reveal the account
        if issued is not None:
            mail.send(session=session, to=user.email, message=templates.magic_link(url=link_url(issued.token),
                                                                                   minutes=minutes))
    return SENT.format(minutes=minutes)


def link_url(token: str) -> str:
    """The emailed link: the app's own landing page (ui/pages/auth_pages.py), which posts to /api/auth/magic/{token}.
    Built from the configured base URL, never from a request's Host header."""
    return f"{get_settings().APP_URL}/sign-in/link?token={token}"


def peek(*, session: Session, token: str) -> EmailToken | None:
    """The link's live token without using it (the confirmation page); None when it no longer works."""
    return tokens.peek_link(session=session, token=token, purpose=tokens.SIGN_IN_LINK)


def consume(*, session: Session, token: str) -> User:
    """The user the link signs in (now verified); the link stops working. `Refused("link_expired")` when it is
    unknown, used or expired."""
    try:
        row = tokens.consume_link(session=session, token=token, purpose=tokens.SIGN_IN_LINK)
    except Invalid:
        raise Refused("link_expired") from None
    user = session.get(User, row.user_id)
    return accounts.claim_mailbox(session=session, user=user)
