"""Which user a provider identity signs in as, and connecting or disconnecting provider accounts.

Rules (the ones Clerk and Auth0 follow: link by verified email only):
- a provider account already connected signs in as its user (an account without email first gives one);
- otherwise an email the provider verified (flow.py decides per provider) signs in as the user with that email,
  connecting the provider, or creates one, verified; an unverified account of that email is claimed by the
  mailbox owner first (`accounts.claim_mailbox`: what others attached to it goes);
- an email the provider did not verify is never claimed: the provider account gets a new account *without* an
  email, whose owner gives an address and proves it with an emailed code (accounts.request_email). An address that
  already belongs to a verified account is refused there, never merged.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, func, select

from resonance.core import security, text_input
from resonance.core.clock import clock
from resonance.core.errors import NotFound
from resonance.identity import accounts
from resonance.identity.models import User
from resonance.identity.oauth.errors import Refused
from resonance.identity.oauth.flow import ProviderIdentity
from resonance.identity.oauth.models import ExternalIdentity


def sign_in(*, session: Session, identity: ProviderIdentity, label: str) -> User:
    """The user this identity signs in as (created if new). A user without `email_verified_at` has no email yet:
    the caller asks for one before a session starts."""
    link = _find(session, identity)
    if link is not None:
        user = session.get(User, link.user_id)
        if user.email is None or user.email_verified_at is not None:
            _refresh(session, link, identity)
            return user
        if identity.email_verified and identity.email == user.email:
            _refresh(session, link, identity)
            session.flush()
            return accounts.claim_mailbox(session=session, user=user)
        # Connected to a registration nobody proved, without proof of its address: a claim on someone else's
        # mailbox (pre-account takeover). It goes; the provider account starts over below.
        session.delete(link)
        session.flush()
    if identity.email and identity.email_verified:
        user = accounts.find_by_email(session=session, email=identity.email)
        if user is not None:
            accounts.claim_mailbox(session=session, user=user)
        else:
            user = User(email=identity.email, name=_name(identity), email_verified_at=clock.now())
            session.add(user)
            session.flush()
    else:
        user = User(email=None, name=_name(identity) or label)
        session.add(user)
        session.flush()
    _add(session, user.id, identity)
    return user


# The browser that came back from the provider may give the address of an account without one: this HttpOnly cookie
# (set by the callback, read by the verify page over the websocket handshake) says which account, for a while.
EMAIL_CLAIM_COOKIE = "__Host-resonance_email_claim"
EMAIL_CLAIM_AUDIENCE = "resonance:email-claim"
EMAIL_CLAIM_LIFETIME = timedelta(minutes=30)


def email_claim(user: User, provider: str) -> str:
    return security.sign({"u": user.id, "p": provider}, audience=EMAIL_CLAIM_AUDIENCE, lifetime=EMAIL_CLAIM_LIFETIME)


def read_email_claim(value: str | None) -> tuple[str, str] | None:
    """(user id, provider name) of a valid claim cookie, else None."""
    claims = security.unsign(value, audience=EMAIL_CLAIM_AUDIENCE) if value else None
    return (str(claims["u"]), str(claims.get("p", ""))) if claims and claims.get("u") else None


def _name(identity: ProviderIdentity) -> str:
    return identity.name or identity.email.split("@")[0]


def connect(*, session: Session, user_id: str, identity: ProviderIdentity, label: str) -> ExternalIdentity:
    """Connect a provider account to a signed-in user (any email: the person proved both accounts)."""
    link = _find(session, identity)
    if link is not None and link.user_id != user_id:
        holder = session.get(User, link.user_id)
        if holder.email is not None:
            raise Refused("taken", label)
        # An account this provider account started and never finished (no email, so never signed in): it holds
        # nothing, and the person has just proven both accounts.
        session.delete(holder)
        session.flush()
        link = None
    if link is not None:
        _refresh(session, link, identity)
        return link
    return _add(session, user_id, identity)


def connected(*, session: Session, user_id: str) -> list[ExternalIdentity]:
    return list(session.exec(
        select(ExternalIdentity).where(ExternalIdentity.user_id == user_id).order_by(col(ExternalIdentity.created_at))
    ))


def disconnect(*, session: Session, user_id: str, identity_id: str) -> ExternalIdentity:
    """Remove one of the user's provider accounts, unless it is their last way to sign in (a password counts)."""
    link = session.get(ExternalIdentity, identity_id) if text_input.is_line(identity_id) else None
    if link is None or link.user_id != user_id:
        raise NotFound("That connected account was not found.")
    user = session.get(User, user_id, with_for_update=True)  # two tabs disconnecting at once: one waits
    others = session.exec(
        select(func.count(ExternalIdentity.id))
        .where(ExternalIdentity.user_id == user_id, ExternalIdentity.id != identity_id)
    ).one()
    if others == 0 and not user.password_hash:
        raise Refused("last_way")
    session.delete(link)
    return link


def _find(session: Session, identity: ProviderIdentity) -> ExternalIdentity | None:
    return session.exec(
        select(ExternalIdentity)
        .where(ExternalIdentity.provider == identity.provider, ExternalIdentity.subject == identity.subject)
    ).first()


def _add(session: Session, user_id: str, identity: ProviderIdentity) -> ExternalIdentity:
    link = ExternalIdentity(user_id=user_id, provider=identity.provider, subject=identity.subject,
                            email=identity.email, email_verified=identity.email_verified)
    session.add(link)
    session.flush()
    return link


def _refresh(session: Session, link: ExternalIdentity, identity: ProviderIdentity) -> None:
    link.email, link.email_verified, link.last_used_at = identity.email, identity.email_verified, clock.now()
    session.add(link)
