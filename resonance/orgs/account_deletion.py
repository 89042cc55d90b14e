"""Deleting one's own account (/account, "Delete account").

Asked for from a session that signed in within the last 15 minutes (sessions.require_recent_sign_in: a stolen,
older cookie cannot delete the account) and confirmed by typing the account's email. Refused, naming them, while the
person is the last Admin of any organization: they hand it over or delete it first, so no organization is left
without an Admin.

What goes: the user row and everything of the person's that identity keeps (sessions, email tokens and magic links,
authenticator, backup codes, passkeys and their challenges, provider links, security events), their memberships and
requests to join, and the mail already addressed to them. What stays with the organizations: the voices and speech
they made there, the API keys, invitations and domains they added, attributed to nobody (`created_by` and the like
become NULL, which pages and exports show as "a deleted user"), and the audit log, the organization's own record,
which gains "member.account_deleted" in each of their organizations. A last email confirms the deletion.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from resonance.core.errors import Forbidden, Invalid
from resonance.generations.models import Generation
from resonance.identity import sessions
from resonance.identity.models import (
    AuthSession,
    BackupCode,
    EmailToken,
    Passkey,
    PasskeyChallenge,
    SecurityEvent,
    TotpFactor,
    User,
)
from resonance.identity.oauth.models import ExternalIdentity
from resonance.mail import templates
from resonance.mail.models import OutboxEmail
from resonance.mail.service import send
from resonance.orgs import audit, organizations
from resonance.orgs.api_keys import ApiKey
from resonance.orgs.exports import OrgExport
from resonance.orgs.models import Invitation, JoinRequest, Membership, OrgDomain, Organization, Role
from resonance.orgs.principal import Principal, require_user
from resonance.orgs.scope import unscoped
from resonance.voices.models import Voice

SIGN_IN_AGAIN = "For your security, sign out and sign in again (within the last 15 minutes) to delete your account."
CONFIRM_WORD = "delete"  # what an account without an email address types

# Rows of organizations that keep what the person made or did, with the column that names them.
_ATTRIBUTED = [(Voice, "created_by"), (Generation, "created_by"), (ApiKey, "created_by"), (Invitation, "invited_by"),
               (OrgDomain, "created_by"), (JoinRequest, "decided_by"), (Organization, "created_by"),
               (OrgExport, "requested_by")]
# The person's own rows, gone with them (ON DELETE CASCADE too; explicit for databases where foreign keys are off).
_OWN = [AuthSession, EmailToken, TotpFactor, BackupCode, Passkey, PasskeyChallenge, SecurityEvent, ExternalIdentity,
        JoinRequest, Membership]


def confirmation_for(user: User) -> str:
    return user.email or CONFIRM_WORD


def last_admin_of(session: Session, user_id: str) -> list[str]:
    """Names of the organizations where the user is the only Admin (system session), by name."""
    names = []
    for org_id, name in session.exec(
        select(Organization.id, Organization.name).join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user_id, Membership.role == Role.ADMIN).order_by(col(Organization.name))
    ).all():
        admins = session.exec(select(Membership.id).where(Membership.org_id == org_id,
                                                          Membership.role == Role.ADMIN).limit(2)).all()
        if len(admins) <= 1:
            names.append(name)
    return names


def delete_account(*, session: Session, actor: Principal, confirmation: str) -> None:
    """Delete the actor's account (system session: it spans organizations)."""
    require_user(actor)
    sessions.require_recent_sign_in(session=session, session_id=actor.session_id, message=SIGN_IN_AGAIN)
    user = session.get(User, actor.user_id)
    if (confirmation or "").strip().lower() != confirmation_for(user).lower():
        raise Invalid("Type your email address exactly to confirm." if user.email
                      else f"Type {CONFIRM_WORD} to confirm.")
    with unscoped(session):
        org_ids = sorted(session.exec(select(Membership.org_id).where(Membership.user_id == user.id)).all())
        for org_id in org_ids:  # in one order everywhere, so two deletions never wait on each other's locks
            organizations.lock_memberships(session, org_id)  # no Admin leaves meanwhile and makes us the last
        if blocked := last_admin_of(session, user.id):
            raise Forbidden(f"You are the last admin of {_listed(blocked)}. Make someone else an admin there, or "
                            "delete the organization, before deleting your account.")
        for org_id in org_ids:
            audit.record(session=session, org_id=org_id, actor=actor, action="member.account_deleted",
                         detail=user.email or user.name)
        for model, column in _ATTRIBUTED:
            session.exec(update(model).where(getattr(model, column) == user.id).values({column: None}))
        for model in _OWN:
            session.exec(delete(model).where(model.user_id == user.id))
        if user.email:
            session.exec(delete(OutboxEmail).where(OutboxEmail.to == user.email))
            send(session=session, to=user.email, message=templates.account_deleted(name=user.name))
        session.exec(delete(User).where(User.id == user.id))
        session.expunge(user)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
