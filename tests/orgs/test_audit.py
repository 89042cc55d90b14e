"""The audit log: who invited, revoked, removed, changed a role or left, and when; visible to Admins only."""

from __future__ import annotations

import pytest

from resonance.core.errors import Forbidden
from resonance.orgs import audit, invitations, members, organizations
from resonance.orgs.models import Role
from resonance.orgs.scope import tenant_session
from tests.factories import add_member, make_org, make_user, signed_in

pytestmark = pytest.mark.usefixtures("sqlite_db")


def as_actor(actor, action, **kwargs):
    with tenant_session(actor.org_id) as session:
        return action(session=session, actor=actor, **kwargs)


def test_organization_actions_are_recorded_with_their_actor_newest_first(clock):
    alice, bob, carol = make_user(name="Alice"), make_user(name="Bob"), make_user(name="Carol")
    org = make_org(admin=alice, name="Recorded")
    bob_membership = add_member(org, bob)
    carol_membership = add_member(org, carol)
    admin, _ = signed_in(alice, org)

    steps = [
        (admin, invitations.invite, {"email": "dave@example.com"}),
        (admin, members.change_role, {"membership_id": bob_membership.id, "role": Role.ADMIN}),
        (admin, members.remove, {"membership_id": carol_membership.id}),
    ]
    for actor, action, kwargs in steps:
        clock.advance(seconds=1)
        as_actor(actor, action, **kwargs)
    clock.advance(seconds=1)
    invitation_id = as_actor(admin, invitations.list_for_org)[0].id
    as_actor(admin, invitations.revoke, invitation_id=invitation_id)
    clock.advance(seconds=1)
    bob_actor, _ = signed_in(bob, org)
    as_actor(bob_actor, organizations.leave)

    events = as_actor(admin, audit.recent)

    assert [(e.action, e.actor_email, e.detail) for e in events] == [
        ("member.left", bob.email, bob.email),
        ("invitation.revoked", alice.email, "dave@example.com"),
        ("member.removed", alice.email, carol.email),
        ("member.role_changed", alice.email, f"{bob.email} → admin"),
        ("invitation.sent", alice.email, "dave@example.com as member"),
        ("organization.created", alice.email, "Recorded"),
    ]
    assert {e.actor_id for e in events} == {alice.id, bob.id}
    assert all(e.created_at is not None for e in events)


def test_members_cannot_read_the_audit_log():
    org = make_org()
    member = make_user()
    add_member(org, member)
    actor, _ = signed_in(member, org)
    with pytest.raises(Forbidden, match="Only admins"):
        as_actor(actor, audit.recent)


def test_the_audit_log_shows_only_this_organizations_events():
    alice, olga = make_user(), make_user()
    mine, other = make_org(admin=alice, name="Mine"), make_org(admin=olga, name="Other")
    as_actor(signed_in(olga, other)[0], invitations.invite, email="x@example.com")
    admin, _ = signed_in(alice, mine)

    events = as_actor(admin, audit.recent)

    assert [(e.org_id, e.action, e.detail) for e in events] == [(mine.id, "organization.created", "Mine")]
