"""Deleting one's own account: the rules (recent sign-in, typed email, not the last Admin anywhere), what goes (every
identity row of the person, their memberships), what stays (their organizations' voices and generations, attributed
to nobody, and the audit log), and that the account cannot sign in again. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import SQLModel, select

from resonance.core.errors import Forbidden, Invalid, Unauthenticated
from resonance.core.security import digest, new_token
from resonance.generations.models import Generation
from resonance.identity import mfa, signin
from resonance.identity.models import EmailToken, Passkey, TotpFactor, User
from resonance.identity.oauth.models import ExternalIdentity
from resonance.orgs.account_deletion import delete_account
from resonance.orgs.models import AuditEvent, Membership, Organization, Role
from resonance.orgs.scope import system_session
from resonance.voices.models import Voice
from tests.factories import (
    PASSWORD,
    add_member,
    all_rows,
    get,
    last_mail,
    make_generation,
    make_org,
    make_user,
    make_voice,
    signed_in,
)

# Every table whose rows belong to a person (a user_id column): none may keep a row of a deleted account.
USER_TABLES = sorted(t.name for t in SQLModel.metadata.sorted_tables if "user_id" in t.c)


def delete(user: User, org: Organization | None = None, confirmation: str | None = None) -> None:
    actor, _ = signed_in(user, org)
    with system_session() as session:
        delete_account(session=session, actor=actor, confirmation=user.email if confirmation is None else confirmation)


def with_everything(user: User) -> None:
    """Give the account each way to sign in and a pending email token."""
    with system_session() as session:
        mfa.begin(session=session, user=session.get(User, user.id))
        session.get(TotpFactor, user.id).confirmed_at = user.created_at  # as after a first right code
        session.flush()
        mfa.new_backup_codes(session=session, user_id=user.id)
        session.add(Passkey(user_id=user.id, credential_id=new_token(), public_key="pk", name="Phone"))
        session.add(ExternalIdentity(user_id=user.id, provider="github", subject=new_token()))
        session.add(EmailToken(user_id=user.id, purpose="magic_link", token_hash=digest(new_token()),
                               expires_at=user.created_at + timedelta(minutes=10)))


def test_nothing_of_the_person_remains_in_any_identity_table_and_they_cannot_sign_in(db):
    user = make_user(name="Leaving Person")
    with_everything(user)
    org = make_org(admin=make_user(), name="Stays")
    add_member(org, user)
    delete(user, org)

    assert get(User, user.id) is None
    with system_session() as session:
        for table in USER_TABLES:
            model = next(m for m in SQLModel.__subclasses__() if getattr(m, "__tablename__", "") == table)
            assert session.exec(select(model).where(model.user_id == user.id)).all() == [], table
    with pytest.raises(Unauthenticated), system_session() as session:
        signin.authenticate(session=session, email=user.email, password=PASSWORD, ip="203.0.113.9")
    assert "deleted" in last_mail(user.email).subject


def test_the_organizations_keep_what_they_made_attributed_to_nobody_and_audited(db):
    admin, leaver = make_user(), make_user()
    org = make_org(admin=admin, name="Keeps Work")
    add_member(org, leaver)
    voice = make_voice(org, name="Their Voice")
    generation = make_generation(org, voice)
    with system_session() as session:
        for row in (session.get(Voice, voice.id), session.get(Generation, generation.id)):
            row.created_by = leaver.id
            session.add(row)
    delete(leaver, org)

    assert get(Voice, voice.id).created_by is None and get(Generation, generation.id).created_by is None
    assert [m.user_id for m in all_rows(Membership, org_id=org.id)] == [admin.id]
    [event] = [e for e in all_rows(AuditEvent, org_id=org.id) if e.action == "member.account_deleted"]
    assert event.detail == leaver.email
    assert get(Organization, org.id) is not None


def test_the_last_admin_is_refused_with_the_organizations_named(db):
    user = make_user()
    make_org(admin=user, name="Solo Studio")
    shared = make_org(admin=user, name="Band Camp")
    add_member(shared, make_user(), Role.MEMBER)  # a Member is no Admin
    with_admin = make_org(admin=user, name="Covered")
    add_member(with_admin, make_user(), Role.ADMIN)
    with pytest.raises(Forbidden) as refused:
        delete(user)
    assert "Band Camp and Solo Studio" in str(refused.value) and "Covered" not in str(refused.value)
    assert get(User, user.id) is not None and len(all_rows(Membership, user_id=user.id)) == 3


def test_the_typed_email_must_match(db):
    user = make_user()
    with pytest.raises(Invalid):
        delete(user, confirmation="someone-else@example.com")
    assert get(User, user.id) is not None


def test_attack_a_stale_session_cannot_delete_the_account(db, clock):
    """A cookie stolen from a browser that signed in an hour ago: the account stays."""
    user = make_user()
    actor, _ = signed_in(user)
    clock.advance(hours=1)
    with pytest.raises(Forbidden) as refused, system_session() as session:
        delete_account(session=session, actor=actor, confirmation=user.email)
    assert "sign in again" in str(refused.value)
    assert get(User, user.id) is not None
