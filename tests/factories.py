"""Builders for test data. Each runs in its own unit of work (committed), like a finished earlier request.

Rows that a service creates are created through that service where it is cheap (organizations, sessions,
switching); password hashes are computed once per distinct password and reused, since argon2 is the slow part.
"""

from __future__ import annotations

import re
import secrets

from sqlmodel import select

from resonance.core import security
from resonance.core.clock import clock
from resonance.identity import sessions
from resonance.identity.models import AuthSession, User
from resonance.orgs import organizations
from resonance.orgs import principal as principals
from resonance.orgs.models import AuditEvent, Invitation, Membership, Organization, Role
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session, tenant_session
from resonance.generations.models import Generation
from resonance.mail.models import OutboxEmail
from resonance.voices.models import Voice, VoiceVariant

PASSWORD = "correct horse battery staple 42"
APP_URL = "http://localhost:3000"  # as tests/conftest.py configures it

_hashes: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    if password not in _hashes:
        _hashes[password] = security.hash_password(password)
    return _hashes[password]


def random_email(prefix: str = "person") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


def make_user(*, verified: bool = True, password: str | None = PASSWORD, name: str = "Test Person",
              email: str | None = None) -> User:
    user = User(
        email=(email or random_email()).lower(), name=name,
        password_hash=password_hash(password) if password is not None else None,
        email_verified_at=clock.now() if verified else None,
    )
    with system_session() as session:
        session.add(user)
    return user


def _as_principal(user: User) -> Principal:
    """A principal with no organization and no session row: enough for services that only need the user."""
    return Principal(user.id, user.email, user.name, session_id="")


def make_org(*, admin: User | None = None, name: str = "Acme Studio") -> Organization:
    """An organization created through the service, so the creator is its Admin and the audit row exists."""
    admin = admin or make_user(name="Org Admin")
    with system_session() as session:
        return organizations.create(session=session, actor=_as_principal(admin), name=name)


def add_member(org: Organization, user: User, role: str = Role.MEMBER) -> Membership:
    membership = Membership(org_id=org.id, user_id=user.id, role=role)
    with tenant_session(org.id) as session:
        session.add(membership)
    return membership


def start_session(user: User, *, ip: str = "203.0.113.7", user_agent: str = "pytest") -> tuple[AuthSession, str]:
    """A claimed session for `user`: (row, cookie token)."""
    with system_session() as session:
        ticket = sessions.start(session=session, user=user, ip=ip, user_agent=user_agent)
        claimed = sessions.claim(session=session, ticket=ticket)
    return claimed.auth_session, claimed.cookie_token


def signed_in(user: User, org: Organization | None = None, **kwargs) -> tuple[Principal, str]:
    """(principal, cookie token) of a fresh session of `user`, with `org` active when given."""
    _row, token = start_session(user, **kwargs)
    if org is not None:
        with system_session() as session:
            actor = principals.resolve(session=session, token=token)
            organizations.switch(session=session, actor=actor, org_id=org.id)
    return resolve(token), token


def resolve(token: str) -> Principal | None:
    return principals.from_cookie(token)


def make_voice(org: Organization | None, *, name: str = "Aurora") -> Voice:
    """A custom voice of `org`, or a system voice (no organization) when `org` is None."""
    voice = Voice(
        org_id=org.id if org else None, name=name,
        variant=VoiceVariant.CUSTOM if org else VoiceVariant.SYSTEM,
    )
    with system_session() as session:
        session.add(voice)
    return voice


def make_generation(org: Organization, voice: Voice | None = None, *, text: str = "Hello there.",
                    status: str = "queued") -> Generation:
    generation = Generation(org_id=org.id, voice_id=voice.id if voice else None, text=text,
                            voice_name=voice.name if voice else "Gone", status=status)
    with system_session() as session:
        session.add(generation)
    return generation


# Reading back, across organizations (system session): what the database holds, whatever the services say.


def get(model, row_id: str):
    with system_session() as session:
        return session.get(model, row_id)


def all_rows(model, **where) -> list:
    with system_session() as session:
        query = select(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return list(session.exec(query))


def outbox(to: str) -> list[OutboxEmail]:
    """Messages queued to this address, oldest first."""
    with system_session() as session:
        rows = session.exec(select(OutboxEmail).where(OutboxEmail.to == to.lower())).all()
    return sorted(rows, key=lambda r: (r.created_at, r.id))


def last_mail(to: str) -> OutboxEmail:
    mails = outbox(to)
    assert mails, f"no mail to {to}"
    return mails[-1]


def code_in(mail: OutboxEmail) -> str:
    """The 6-digit code of a verification mail."""
    found = re.search(r"Your code: (\d{6})", mail.text)
    assert found, mail.text
    return found.group(1)


def link_token(mail: OutboxEmail, path: str) -> str:
    """The token of the link to `path` in a mail (`/verify-email?token=`, `/reset-password?token=`, `/invite/`)."""
    found = re.search(re.escape(APP_URL + path) + r"([A-Za-z0-9_\-]+)", mail.text)
    assert found, mail.text
    return found.group(1)


def audit_actions(org: Organization) -> list[str]:
    """The organization's audit actions, sorted by name (a frozen clock gives many the same time)."""
    with system_session() as session:
        return sorted(session.exec(select(AuditEvent.action).where(AuditEvent.org_id == org.id)).all())


__all__ = [
    "PASSWORD", "AuditEvent", "Invitation", "Membership", "Organization", "Role", "add_member", "all_rows",
    "audit_actions", "code_in", "get", "last_mail", "link_token", "outbox", "make_generation", "make_org", "make_user", "make_voice", "password_hash",
    "random_email", "resolve", "signed_in", "start_session",
]
