"""Which user a provider identity signs in as, and connecting or disconnecting provider accounts.

Rules (auth-and-billing.md: link by verified email only):
- a provider account already connected signs in as its user;
- otherwise a verified email signs in as the user with that email (connecting the provider), or creates one,
  verified; an unverified account of that email loses its password first (`accounts.claim_mailbox`);
- an unverified email never reaches an existing account ("exists"); for a new email it creates an unverified user,
  who verifies the address with an emailed code like after sign-up, then signs in with the provider again.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from resonance.core.clock import clock
from resonance.core.errors import NotFound
from resonance.identity import accounts
from resonance.identity.models import User
from resonance.identity.oauth.errors import Refused
from resonance.identity.oauth.flow import ProviderIdentity
from resonance.identity.oauth.models import ExternalIdentity


def sign_in(*, session: Session, identity: ProviderIdentity, label: str) -> User:
    """The user this identity signs in as (created if new). The caller checks `email_verified_at`: a user without
    it must verify the address before a session starts."""
    link = _find(session, identity)
    if link is not None:
        user = session.get(User, link.user_id)
        _refresh(session, link, identity)
        if user.email_verified_at is None and identity.email_verified and identity.email == user.email:
            accounts.claim_mailbox(session=session, user=user)
        return user
    if not identity.email:
        raise Refused("no_email", label)
    user = accounts.find_by_email(session=session, email=identity.email)
    if user is not None:
        if not identity.email_verified:
            raise Refused("exists", label)
        accounts.claim_mailbox(session=session, user=user)
    else:
        user = User(email=identity.email, name=identity.name or identity.email.split("@")[0],
                    email_verified_at=clock.now() if identity.email_verified else None)
        session.add(user)
        session.flush()
    _add(session, user.id, identity)
    return user


def connect(*, session: Session, user_id: str, identity: ProviderIdentity, label: str) -> ExternalIdentity:
    """Connect a provider account to a signed-in user (any email: the person proved both accounts)."""
    link = _find(session, identity)
    if link is not None:
        if link.user_id != user_id:
            raise Refused("taken", label)
        _refresh(session, link, identity)
        return link
    return _add(session, user_id, identity)


def connected(*, session: Session, user_id: str) -> list[ExternalIdentity]:
    return list(session.exec(
        select(ExternalIdentity).where(ExternalIdentity.user_id == user_id).order_by(col(ExternalIdentity.created_at))
    ))


def disconnect(*, session: Session, user_id: str, identity_id: str) -> ExternalIdentity:
    """Remove one of the user's provider accounts, unless it is their last way to sign in (a password counts)."""
    link = session.get(ExternalIdentity, identity_id)
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
