"""Invitations: Admin-only, emailed, 30 days, single use, only for the invited address, within the member limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.mail.models import OutboxEmail
from resonance.orgs import invitations
from resonance.orgs.models import Invitation, InvitationStatus, Membership, Role
from resonance.orgs.scope import system_session, tenant_session
from tests.factories import add_member, all_rows, audit_actions, get, last_mail, link_token, make_org, make_user, \
    outbox, random_email, resolve, signed_in

pytestmark = pytest.mark.usefixtures("sqlite_db")


def invite(actor, email: str, role: str = Role.MEMBER) -> Invitation:
    with tenant_session(actor.org_id) as session:
        return invitations.invite(session=session, actor=actor, email=email, role=role)


def revoke(actor, invitation_id: str) -> None:
    with tenant_session(actor.org_id) as session:
        invitations.revoke(session=session, actor=actor, invitation_id=invitation_id)


def listed(actor):
    with tenant_session(actor.org_id) as session:
        return invitations.list_for_org(session=session, actor=actor)


def accept(actor, *, token: str | None = None, invitation_id: str | None = None) -> str:
    """As /invite/{token} and /org-selection do: in a system session."""
    with system_session() as session:
        return invitations.accept(session=session, actor=actor, token=token, invitation_id=invitation_id)


def status(invitation: Invitation) -> str:
    return invitations.status_of(get(Invitation, invitation.id))


@pytest.fixture
def org_admin():
    admin = make_user(name="Alice Admin")
    org = make_org(admin=admin, name="Northwind")
    actor, _ = signed_in(admin, org)
    return org, actor


def test_an_admin_invites_by_email_with_a_role_for_30_days(org_admin, clock):
    org, admin = org_admin
    invitation = invite(admin, "  New.Person@Example.com ", Role.ADMIN)

    row = get(Invitation, invitation.id)
    assert (row.org_id, row.email, row.role, row.status) == (org.id, "new.person@example.com", Role.ADMIN, "pending")
    assert row.expires_at == clock.now() + timedelta(days=30)
    assert row.invited_by == admin.user_id
    mail = last_mail("new.person@example.com")
    assert mail.subject == "Alice Admin invited you to Northwind on Resonance"
    token = link_token(mail, "/invite/")
    assert row.token_hash != token  # stored as a digest
    assert "invitation.sent" in audit_actions(org)
    with system_session() as session:
        view = invitations.preview(session=session, token=token)
    assert (view.org_name, view.email, view.role, view.status) == ("Northwind", "new.person@example.com", "admin",
                                                                   "pending")


def test_a_member_cannot_invite_and_nothing_is_sent(org_admin):
    org, _ = org_admin
    member = make_user()
    add_member(org, member)
    actor, _ = signed_in(member, org)
    email = random_email()

    with pytest.raises(Forbidden, match="Only admins"):
        invite(actor, email)
    with pytest.raises(Forbidden):
        listed(actor)

    assert all_rows(Invitation) == [] and outbox(email) == []


@pytest.mark.parametrize(("email", "role", "message"), [
    ("not-an-email", Role.MEMBER, "valid email"),
    ("someone@example.com", "owner", "Unknown role"),
])
def test_a_bad_address_or_role_is_refused(org_admin, email, role, message):
    _, admin = org_admin
    with pytest.raises(Invalid, match=message):
        invite(admin, email, role)
    assert all_rows(Invitation) == [] and all_rows(OutboxEmail) == []


def test_inviting_a_current_member_is_refused(org_admin):
    org, admin = org_admin
    member = make_user()
    add_member(org, member)
    with pytest.raises(Invalid, match="already a member"):
        invite(admin, member.email.upper())


def test_a_member_of_another_organization_can_be_invited(org_admin):
    _, admin = org_admin
    elsewhere = make_user()
    make_org(admin=elsewhere, name="Elsewhere")
    invite(admin, elsewhere.email)
    assert len(all_rows(Invitation, email=elsewhere.email)) == 1


def test_inviting_the_same_address_again_replaces_the_pending_invitation(org_admin):
    _, admin = org_admin
    first = invite(admin, "again@example.com")
    second = invite(admin, "again@example.com", Role.ADMIN)
    assert status(first) == InvitationStatus.REVOKED
    assert status(second) == InvitationStatus.PENDING
    with pytest.raises(Invalid, match="revoked"):
        accept(signed_in(make_user(email="again@example.com"))[0],
               token=link_token(outbox("again@example.com")[0], "/invite/"))


def test_an_invitation_expires_after_30_days(org_admin, clock):
    org, admin = org_admin
    invitee = make_user()
    invitation = invite(admin, invitee.email)
    token = link_token(last_mail(invitee.email), "/invite/")
    clock.advance(days=30)

    assert status(invitation) == InvitationStatus.EXPIRED
    assert [v.status for v in listed(admin)] == ["expired"]
    with system_session() as session:
        assert invitations.pending_for(session=session, email=invitee.email) == []
    with pytest.raises(Invalid, match="expired"):
        accept(signed_in(invitee)[0], token=token)
    assert all_rows(Membership, user_id=invitee.id) == []


def test_the_invitation_lifetime_is_configurable(org_admin, configure, clock):
    configure(INVITATION_DAYS=2)
    _, admin = org_admin
    invitation = invite(admin, random_email())
    clock.advance(days=1, hours=23)
    assert status(invitation) == InvitationStatus.PENDING
    clock.advance(hours=1)
    assert status(invitation) == InvitationStatus.EXPIRED


def test_an_admin_revokes_a_pending_invitation(org_admin):
    org, admin = org_admin
    invitee = make_user()
    invitation = invite(admin, invitee.email)

    revoke(admin, invitation.id)

    assert status(invitation) == InvitationStatus.REVOKED
    assert "invitation.revoked" in audit_actions(org)
    with pytest.raises(Invalid, match="already revoked"):
        revoke(admin, invitation.id)
    with pytest.raises(Invalid, match="revoked"):
        accept(signed_in(invitee)[0], invitation_id=invitation.id)
    assert all_rows(Membership, user_id=invitee.id) == []


def test_a_member_cannot_revoke(org_admin):
    org, admin = org_admin
    invitation = invite(admin, random_email())
    member = make_user()
    add_member(org, member)
    with pytest.raises(Forbidden):
        revoke(signed_in(member, org)[0], invitation.id)
    assert status(invitation) == InvitationStatus.PENDING


def test_the_invited_person_accepts_by_link_and_joins_with_the_role(org_admin):
    org, admin = org_admin
    invitee = make_user()
    invite(admin, invitee.email, Role.ADMIN)
    actor, token = signed_in(invitee)

    joined = accept(actor, token=link_token(last_mail(invitee.email), "/invite/"))

    assert joined == org.id
    (membership,) = all_rows(Membership, user_id=invitee.id)
    assert (membership.org_id, membership.role) == (org.id, Role.ADMIN)
    (row,) = all_rows(Invitation)
    assert row.status == InvitationStatus.ACCEPTED and row.accepted_at is not None
    assert "invitation.accepted" in audit_actions(org)


def test_an_invitation_works_once(org_admin):
    _, admin = org_admin
    invitee = make_user()
    invitation = invite(admin, invitee.email)
    actor, _ = signed_in(invitee)
    accept(actor, invitation_id=invitation.id)

    with pytest.raises(Invalid, match="accepted"):
        accept(actor, invitation_id=invitation.id)
    assert len(all_rows(Membership, user_id=invitee.id)) == 1


def test_only_the_invited_address_can_accept(org_admin):
    _, admin = org_admin
    invitee, someone_else = make_user(), make_user()
    invitation = invite(admin, invitee.email)
    token = link_token(last_mail(invitee.email), "/invite/")
    other, _ = signed_in(someone_else)

    with pytest.raises(NotFound, match="Invitation not found"):
        accept(other, token=token)
    with pytest.raises(NotFound, match="Invitation not found"):
        accept(other, invitation_id=invitation.id)
    with pytest.raises(NotFound):
        accept(other, token="made-up-token")

    assert status(invitation) == InvitationStatus.PENDING
    assert all_rows(Membership, user_id=someone_else.id) == []


def test_invitations_count_towards_the_member_limit(org_admin, configure):
    configure(ORG_MEMBER_LIMIT=3)
    org, admin = org_admin
    add_member(org, make_user())
    invite(admin, "third@example.com")

    with pytest.raises(Invalid, match="at most 3 members, invitations included"):
        invite(admin, "fourth@example.com")
    invite(admin, "third@example.com")  # replacing a pending invitation takes no extra place
    assert {i.email for i in all_rows(Invitation)} == {"third@example.com"}


def test_my_pending_invitations_are_listed_for_me_across_organizations(org_admin):
    org, admin = org_admin
    invitee = make_user()
    other_admin = make_user()
    other = make_org(admin=other_admin, name="Other Co")
    invite(admin, invitee.email)
    invite(signed_in(other_admin, other)[0], invitee.email.upper(), Role.ADMIN)
    revoked = invite(admin, "someone-else@example.com")
    revoke(admin, revoked.id)

    with system_session() as session:
        views = invitations.pending_for(session=session, email=invitee.email)

    assert sorted((v.org_name, v.role, v.status) for v in views) == [
        ("Northwind", "member", "pending"), ("Other Co", "admin", "pending")]
    with system_session() as session:
        assert invitations.pending_for(session=session, email="someone-else@example.com") == []


def test_accepting_makes_the_organization_available_to_switch_to(org_admin):
    from resonance.orgs import organizations

    org, admin = org_admin
    invitee = make_user()
    invitation = invite(admin, invitee.email)
    actor, token = signed_in(invitee)
    org_id = accept(actor, invitation_id=invitation.id)
    with system_session() as session:
        organizations.switch(session=session, actor=actor, org_id=org_id)
    assert (resolve(token).org_id, resolve(token).role) == (org.id, Role.MEMBER)
