"""Organizations: create, switch, rename, leave and delete."""

from __future__ import annotations

import pytest

from resonance.core.errors import Forbidden, Invalid, NotFound, Unauthenticated
from resonance.generations.models import Generation
from resonance.identity.models import AuthSession
from resonance.orgs import invitations, organizations
from resonance.orgs.models import AuditEvent, Invitation, Membership, Organization, Role
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session, tenant_session
from resonance.voices.models import Voice
from tests.factories import add_member, all_rows, audit_actions, get, make_generation, make_org, make_user, \
    make_voice, resolve, signed_in


def create(actor: Principal, name: str) -> Organization:
    with system_session() as session:
        return organizations.create(session=session, actor=actor, name=name)


def switch(actor: Principal, org_id: str | None) -> None:
    with system_session() as session:
        organizations.switch(session=session, actor=actor, org_id=org_id)


def in_org(actor: Principal, action, **kwargs):
    """Run an organization service as the UI does: in the actor's tenant session."""
    with tenant_session(actor.org_id) as session:
        return action(session=session, actor=actor, **kwargs)


# Create


@pytest.mark.usefixtures("sqlite_db")
def test_the_creator_becomes_admin_and_the_creation_is_audited():
    user = make_user()
    actor, _ = signed_in(user)

    org = create(actor, "  Northwind   Audio ")

    assert org.name == "Northwind Audio"
    assert org.slug == "northwind-audio"
    assert org.created_by == user.id
    (membership,) = all_rows(Membership, org_id=org.id)
    assert (membership.user_id, membership.role) == (user.id, Role.ADMIN)
    (event,) = all_rows(AuditEvent, org_id=org.id)
    assert (event.action, event.actor_id, event.actor_email, event.detail) == (
        "organization.created", user.id, user.email, "Northwind Audio")


def test_slugs_are_derived_and_unique(db):
    actor, _ = signed_in(make_user())
    first, second, third = (create(actor, name) for name in ("Café Ünïcode!", "Café Ünïcode!", "!!!"))
    assert first.slug == "caf-n-code"
    assert second.slug.startswith("caf-n-code-") and second.slug != first.slug
    assert third.slug == "org"
    assert len({o.slug for o in all_rows(Organization)}) == 3


@pytest.mark.usefixtures("sqlite_db")
@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_missing_or_too_long_name_is_refused(name):
    actor, _ = signed_in(make_user())
    with pytest.raises(Invalid):
        create(actor, name)
    assert all_rows(Organization) == []


@pytest.mark.usefixtures("sqlite_db")
def test_the_number_of_organizations_one_person_creates_is_limited(configure):
    configure(ORGS_PER_USER_LIMIT=2)
    actor, _ = signed_in(make_user())
    create(actor, "One")
    create(actor, "Two")
    with pytest.raises(Invalid, match="at most 2 organizations"):
        create(actor, "Three")
    assert len(all_rows(Organization)) == 2


@pytest.mark.usefixtures("sqlite_db")
def test_creating_needs_a_signed_in_person():
    with pytest.raises(Unauthenticated):
        create(None, "Nobody's")


# Switch


def test_switching_to_my_organization_makes_it_active_for_this_session_only(db):
    user = make_user()
    mine, other_mine = make_org(admin=user, name="Mine"), make_org(admin=user, name="Also mine")
    actor, token = signed_in(user, mine)
    _, elsewhere = signed_in(user)  # another browser of the same person

    switch(actor, other_mine.id)

    assert get(AuthSession, actor.session_id).active_org_id == other_mine.id
    now = resolve(token)
    assert (now.org_id, now.org_name, now.role) == (other_mine.id, "Also mine", Role.ADMIN)
    assert resolve(elsewhere).org_id is None


def test_switching_to_an_organization_i_do_not_belong_to_is_not_found(db):
    user = make_user()
    mine, foreign = make_org(admin=user), make_org(name="Foreign")
    actor, token = signed_in(user, mine)

    with pytest.raises(NotFound, match="Organization not found"):
        switch(actor, foreign.id)
    with pytest.raises(NotFound, match="Organization not found"):
        switch(actor, "org_doesnotexist")

    assert resolve(token).org_id == mine.id


@pytest.mark.usefixtures("sqlite_db")
def test_switching_to_none_clears_the_active_organization():
    user = make_user()
    org = make_org(admin=user)
    actor, token = signed_in(user, org)
    switch(actor, None)
    assert resolve(token).org_id is None


@pytest.mark.usefixtures("sqlite_db")
def test_the_role_is_read_fresh_from_the_membership_each_time():
    admin, member = make_user(), make_user()
    org = make_org(admin=admin)
    membership = add_member(org, member, Role.MEMBER)
    _, token = signed_in(member, org)
    assert resolve(token).role == Role.MEMBER

    with system_session() as session:
        session.get(Membership, membership.id).role = Role.ADMIN
    assert resolve(token).role == Role.ADMIN

    with system_session() as session:
        session.delete(session.get(Membership, membership.id))
    assert resolve(token).org_id is None and resolve(token).role is None


# Rename


@pytest.mark.usefixtures("sqlite_db")
def test_an_admin_renames_the_organization():
    admin = make_user()
    org = make_org(admin=admin, name="Old Name")
    actor, _ = signed_in(admin, org)

    in_org(actor, organizations.rename, name="  New   Name ")

    assert get(Organization, org.id).name == "New Name"
    assert get(Organization, org.id).slug == org.slug
    assert "organization.renamed" in audit_actions(org)


@pytest.mark.usefixtures("sqlite_db")
def test_a_member_cannot_rename_and_nothing_changes():
    org = make_org(name="Kept Name")
    member = make_user()
    add_member(org, member)
    actor, _ = signed_in(member, org)

    with pytest.raises(Forbidden, match="Only admins"):
        in_org(actor, organizations.rename, name="Hijacked")

    assert get(Organization, org.id).name == "Kept Name"
    assert audit_actions(org) == ["organization.created"]


# Leave


@pytest.mark.usefixtures("sqlite_db")
def test_a_member_leaves_and_loses_the_active_organization():
    org = make_org()
    member = make_user()
    add_member(org, member)
    actor, token = signed_in(member, org)

    in_org(actor, organizations.leave)

    assert all_rows(Membership, org_id=org.id, user_id=member.id) == []
    assert resolve(token).org_id is None
    assert "member.left" in audit_actions(org)


@pytest.mark.usefixtures("sqlite_db")
def test_the_last_admin_cannot_leave():
    admin = make_user()
    org = make_org(admin=admin)
    add_member(org, make_user(), Role.MEMBER)
    actor, token = signed_in(admin, org)

    with pytest.raises(Forbidden, match="last admin"):
        in_org(actor, organizations.leave)

    assert len(all_rows(Membership, org_id=org.id, user_id=admin.id)) == 1
    assert resolve(token).org_id == org.id


@pytest.mark.usefixtures("sqlite_db")
def test_an_admin_may_leave_when_another_admin_remains():
    admin = make_user()
    org = make_org(admin=admin)
    add_member(org, make_user(), Role.ADMIN)
    actor, _ = signed_in(admin, org)
    in_org(actor, organizations.leave)
    assert all_rows(Membership, org_id=org.id, user_id=admin.id) == []


# Delete


@pytest.fixture
def two_orgs_with_data():
    """Org A (to delete) and org B, each with members, an invitation, voices and generations; plus a system voice."""
    data = {}
    for key in ("a", "b"):
        admin, member = make_user(name=f"Admin {key}"), make_user(name=f"Member {key}")
        org = make_org(admin=admin, name=f"Org {key.upper()}")
        add_member(org, member)
        actor, token = signed_in(admin, org)
        _, member_token = signed_in(member, org)
        in_org(actor, invitations.invite, email=f"invitee-{key}@example.com")
        voice = make_voice(org, name=f"Voice {key}")
        make_generation(org, voice)
        data[key] = {"org": org, "actor": actor, "token": token, "member_token": member_token, "voice": voice}
    data["system_voice"] = make_voice(None, name="Narrator")
    data["system_generation_a"] = make_generation(data["a"]["org"], data["system_voice"])
    return data


def _counts(org_id: str) -> dict[str, int]:
    return {model.__name__: len(all_rows(model, org_id=org_id))
            for model in (Membership, Invitation, AuditEvent, Voice, Generation)}


def test_deleting_needs_the_exact_name_and_removes_all_of_the_organizations_data(db, two_orgs_with_data):
    a, b = two_orgs_with_data["a"], two_orgs_with_data["b"]
    b_before = _counts(b["org"].id)
    assert all(b_before.values())
    a_before = _counts(a["org"].id)

    for typed in ("", "org a", "Org", "Org B"):
        with pytest.raises(Invalid, match="Type the organization's name exactly"):
            in_org(a["actor"], organizations.delete_org, confirmation=typed)
    assert _counts(a["org"].id) == a_before

    in_org(a["actor"], organizations.delete_org, confirmation="Org A")

    assert get(Organization, a["org"].id) is None
    assert _counts(a["org"].id) == dict.fromkeys(a_before, 0)
    assert _counts(b["org"].id) == b_before
    assert get(Organization, b["org"].id) is not None
    assert get(Voice, two_orgs_with_data["system_voice"].id) is not None
    assert resolve(a["token"]).org_id is None and resolve(a["member_token"]).org_id is None
    assert resolve(b["token"]).org_id == b["org"].id


@pytest.mark.usefixtures("sqlite_db")
def test_a_member_cannot_delete_the_organization(two_orgs_with_data):
    a = two_orgs_with_data["a"]
    member = resolve(a["member_token"])
    before = _counts(a["org"].id)
    with pytest.raises(Forbidden):
        in_org(member, organizations.delete_org, confirmation="Org A")
    assert get(Organization, a["org"].id) is not None
    assert _counts(a["org"].id) == before
