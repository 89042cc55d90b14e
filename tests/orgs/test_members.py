"""Members of the active organization: list, change role, remove; Admin-only, never the last Admin."""

from __future__ import annotations

import pytest

from resonance.core.errors import Forbidden, Invalid
from resonance.identity.models import AuthSession
from resonance.orgs import members
from resonance.orgs.models import Membership, Role
from resonance.orgs.scope import tenant_session
from tests.factories import add_member, all_rows, audit_actions, get, make_org, make_user, resolve, signed_in

pytestmark = pytest.mark.usefixtures("sqlite_db")


def as_actor(actor, action, **kwargs):
    with tenant_session(actor.org_id) as session:
        return action(session=session, actor=actor, **kwargs)


@pytest.fixture
def team():
    """An org with an Admin (signed in) and a Member (signed in), and another org the Admin does not belong to."""
    admin, member = make_user(name="Alice Admin"), make_user(name="Bob Member")
    org = make_org(admin=admin)
    (admin_membership,) = all_rows(Membership, user_id=admin.id)
    member_membership = add_member(org, member)
    outsider_org = make_org(name="Outsiders")
    admin_actor, _ = signed_in(admin, org)
    member_actor, member_token = signed_in(member, org)
    return {
        "org": org, "outsider_org": outsider_org, "member_user": member,
        "admin": admin_actor, "member": member_actor, "member_token": member_token,
        "admin_membership": admin_membership, "member_membership": member_membership,
    }


def role_of(membership: Membership) -> str:
    return get(Membership, membership.id).role


def test_everyone_in_the_organization_sees_its_members_and_only_them(team):
    for actor in (team["admin"], team["member"]):
        listed = as_actor(actor, members.list_members)
        assert {(m.name, m.email, m.role) for m in listed} == {
            ("Alice Admin", team["admin"].email, Role.ADMIN), ("Bob Member", team["member"].email, Role.MEMBER)}


def test_an_admin_promotes_and_demotes_a_member(team):
    as_actor(team["admin"], members.change_role, membership_id=team["member_membership"].id, role=Role.ADMIN)
    assert role_of(team["member_membership"]) == Role.ADMIN
    assert resolve(team["member_token"]).role == Role.ADMIN  # takes effect on the member's next event

    as_actor(team["admin"], members.change_role, membership_id=team["member_membership"].id, role=Role.MEMBER)
    assert role_of(team["member_membership"]) == Role.MEMBER
    assert audit_actions(team["org"]).count("member.role_changed") == 2


def test_an_unknown_role_is_refused(team):
    with pytest.raises(Invalid, match="Unknown role"):
        as_actor(team["admin"], members.change_role, membership_id=team["member_membership"].id, role="owner")
    assert role_of(team["member_membership"]) == Role.MEMBER


def test_the_last_admin_cannot_be_demoted(team):
    with pytest.raises(Forbidden, match="last admin cannot be demoted"):
        as_actor(team["admin"], members.change_role, membership_id=team["admin_membership"].id, role=Role.MEMBER)
    assert role_of(team["admin_membership"]) == Role.ADMIN


def test_an_admin_can_be_demoted_when_another_admin_remains(team):
    as_actor(team["admin"], members.change_role, membership_id=team["member_membership"].id, role=Role.ADMIN)
    as_actor(team["admin"], members.change_role, membership_id=team["admin_membership"].id, role=Role.MEMBER)
    assert role_of(team["admin_membership"]) == Role.MEMBER


def test_admins_of_other_organizations_do_not_count_as_admins_here(team):
    # Bob is an Admin elsewhere; Alice is still the only Admin of this organization.
    make_org(admin=team["member_user"], name="Bob's own")
    add_member(team["outsider_org"], make_user(), Role.ADMIN)
    with pytest.raises(Forbidden, match="last admin"):
        as_actor(team["admin"], members.change_role, membership_id=team["admin_membership"].id, role=Role.MEMBER)
    with pytest.raises(Forbidden, match="last admin"):
        as_actor(team["admin"], members.remove, membership_id=team["admin_membership"].id)


def test_an_admin_removes_a_member_who_loses_the_organization_at_once(team):
    as_actor(team["admin"], members.remove, membership_id=team["member_membership"].id)

    assert get(Membership, team["member_membership"].id) is None
    removed = resolve(team["member_token"])
    assert removed is not None and removed.org_id is None  # still signed in, but no longer in the organization
    assert get(AuthSession, removed.session_id).active_org_id is None
    assert "member.removed" in audit_actions(team["org"])


def test_the_last_admin_cannot_be_removed(team):
    with pytest.raises(Forbidden, match="last admin cannot be removed"):
        as_actor(team["admin"], members.remove, membership_id=team["admin_membership"].id)
    assert get(Membership, team["admin_membership"].id) is not None


@pytest.mark.parametrize("action", ["change_role", "remove"])
def test_a_member_calling_an_admin_action_is_forbidden_and_nothing_changes(team, action):
    before = {m.id: m.role for m in all_rows(Membership, org_id=team["org"].id)}
    audit_before = audit_actions(team["org"])
    for target in (team["admin_membership"], team["member_membership"]):
        kwargs = {"membership_id": target.id} | ({"role": Role.ADMIN} if action == "change_role" else {})
        with pytest.raises(Forbidden, match="Only admins"):
            as_actor(team["member"], getattr(members, action), **kwargs)

    assert {m.id: m.role for m in all_rows(Membership, org_id=team["org"].id)} == before
    assert audit_actions(team["org"]) == audit_before
    assert resolve(team["member_token"]).role == Role.MEMBER
