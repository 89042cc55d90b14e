"""The cross-tenant matrix: every service entry point that takes an id, called by an Admin and by a Member of org A
with org B's ids, is refused as "not found" (or reads None) and leaves org B exactly as it was. On SQLite and
PostgreSQL.

An Admin-only action called by a Member is refused by its role check before any lookup: that error must be the very
same for B's id as for an id that exists nowhere, so it tells nothing about B either.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select

from resonance.core.errors import NotFound, ResonanceError
from resonance.generations.models import Generation
from resonance.identity.models import AuthSession
from resonance.orgs import audit, invitations, members, organizations
from resonance.orgs.models import AuditEvent, Invitation, Membership, Organization, Role
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session, tenant_session
from resonance.generations import service as generation_service
from resonance.generations.service import GenerationRequest
from resonance.speech.engine import SpeechParams
from resonance.voices import service as voice_service
from resonance.voices.models import Voice
from resonance.voices.service import VoiceFields
from tests.fakes import ToneEngine
from tests.factories import add_member, all_rows, make_generation, make_org, make_user, make_voice, resolve, \
    signed_in

TENANT_MODELS = [Membership, Invitation, AuditEvent, Voice, Generation]
MADE_UP = "zzz_0000000000000000000000000"


@pytest.fixture
def world(db):
    """Org A with an Admin and a Member (both signed in to A); org B with the same, an invitation, a voice, a
    generation and audit events."""
    out: dict = {}
    for key in ("a", "b"):
        admin, member = make_user(name=f"Admin {key}"), make_user(name=f"Member {key}")
        org = make_org(admin=admin, name=f"Org {key.upper()}")
        member_membership = add_member(org, member, Role.MEMBER)
        admin_actor, _ = signed_in(admin, org)
        member_actor, _ = signed_in(member, org)
        with tenant_session(org.id) as session:
            invitation = invitations.invite(session=session, actor=admin_actor, email=f"invitee-{key}@example.com")
        voice = make_voice(org, name=f"Voice {key}")
        generation = make_generation(org, voice)
        with system_session() as session:
            admin_membership = session.exec(
                select(Membership).where(Membership.org_id == org.id, Membership.user_id == admin.id)).one()
            audit_event = session.exec(select(AuditEvent).where(AuditEvent.org_id == org.id)).first()
        out[key] = {
            "org": org, "admin": admin_actor, "member": member_actor, "invitation": invitation, "voice": voice,
            "generation": generation, "member_membership": member_membership, "admin_membership": admin_membership,
            "audit_event": audit_event,
        }
    return out


def snapshot(org_id: str) -> dict:
    """Everything org B owns, plus every session's active organization, as plain values."""
    with system_session() as session:
        rows = {model.__name__: sorted((r.model_dump() for r in session.exec(select(model).where(model.org_id == org_id))),
                                       key=lambda d: d["id"])
                for model in TENANT_MODELS}
        org = session.get(Organization, org_id)
        rows["Organization"] = org.model_dump() if org else None
        rows["AuthSession"] = sorted((s.id, s.active_org_id, s.revoked_at) for s in session.exec(select(AuthSession)))
    return rows


def in_tenant(actor: Principal, call: Callable) -> object:
    with tenant_session(actor.org_id) as session:
        return call(session, actor)


def in_system(actor: Principal, call: Callable) -> object:
    with system_session() as session:
        return call(session, actor)


# Entry point → (how the UI runs it, the call given org B's id, is it Admin-only)
ENTRY_POINTS: dict[str, tuple[Callable, Callable[[dict], Callable], bool]] = {
    "members.change_role": (in_tenant, lambda target: lambda s, p: members.change_role(
        session=s, actor=p, membership_id=target, role=Role.ADMIN), True),
    "members.change_role-demote-admin": (in_tenant, lambda target: lambda s, p: members.change_role(
        session=s, actor=p, membership_id=target, role=Role.MEMBER), True),
    "members.remove": (in_tenant, lambda target: lambda s, p: members.remove(
        session=s, actor=p, membership_id=target), True),
    "members.reset_two_step": (in_tenant, lambda target: lambda s, p: members.reset_two_step(
        session=s, actor=p, membership_id=target), True),
    "invitations.revoke": (in_tenant, lambda target: lambda s, p: invitations.revoke(
        session=s, actor=p, invitation_id=target), True),
    "invitations.accept-by-id": (in_system, lambda target: lambda s, p: invitations.accept(
        session=s, actor=p, invitation_id=target), False),
    "organizations.switch": (in_system, lambda target: lambda s, p: organizations.switch(
        session=s, actor=p, org_id=target), False),
    "voices.get_voice": (in_tenant, lambda target: lambda s, p: voice_service.get_voice(
        session=s, voice_id=target), False),
    "voices.update_voice": (in_tenant, lambda target: lambda s, p: voice_service.update_voice(
        session=s, actor=p, voice_id=target, fields=VoiceFields(name="Taken over")), False),
    "voices.delete_voice": (in_tenant, lambda target: lambda s, p: voice_service.delete_voice(
        session=s, actor=p, voice_id=target), False),
    "generations.create-with-foreign-voice": (in_tenant, lambda target: lambda s, p: generation_service.create_generation(
        session=s, actor=p, capabilities=ToneEngine(clones=True).capabilities,
        request=GenerationRequest("Hello.", target, SpeechParams())), False),
    "generations.get_generation": (in_tenant, lambda target: lambda s, p: generation_service.get_generation(
        session=s, generation_id=target), False),
    "generations.delete_generation": (in_tenant, lambda target: lambda s, p: generation_service.delete_generation(
        session=s, actor=p, generation_id=target), False),
}
TARGETS = {
    "members.change_role": "member_membership",
    "members.change_role-demote-admin": "admin_membership",
    "members.remove": "member_membership",
    "members.reset_two_step": "member_membership",
    "invitations.revoke": "invitation",
    "invitations.accept-by-id": "invitation",
    "organizations.switch": "org",
    "voices.get_voice": "voice",
    "voices.update_voice": "voice",
    "voices.delete_voice": "voice",
    "generations.create-with-foreign-voice": "voice",
    "generations.get_generation": "generation",
    "generations.delete_generation": "generation",
}


def _error(run: Callable, actor: Principal, call: Callable) -> ResonanceError:
    with pytest.raises(ResonanceError) as raised:
        run(actor, call)
    return raised.value


def active_org_of(actor: Principal) -> str | None:
    with system_session() as session:
        return session.get(AuthSession, actor.session_id).active_org_id


@pytest.mark.parametrize("role", ["admin", "member"])
@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_a_service_given_another_organizations_id_finds_nothing_and_changes_nothing(world, role, entry_point):
    run, make_call, admin_only = ENTRY_POINTS[entry_point]
    actor = world["a"][role]
    b_id = world["b"][TARGETS[entry_point]].id
    before = snapshot(world["b"]["org"].id)

    refused = _error(run, actor, make_call(b_id))

    made_up = _error(run, actor, make_call(MADE_UP))
    assert (type(refused), str(refused)) == (type(made_up), str(made_up))  # B's id is just like no id at all
    if role == "admin" or not admin_only:
        assert isinstance(refused, NotFound)
    assert snapshot(world["b"]["org"].id) == before
    assert active_org_of(actor) == world["a"]["org"].id


@pytest.mark.parametrize("target", ["voice", "generation", "invitation", "member_membership", "admin_membership",
                                    "audit_event"])
def test_reading_another_organizations_row_by_id_gives_none(world, target):
    row = world["b"][target]
    with tenant_session(world["a"]["org"].id) as session:
        assert session.get(type(row), row.id) is None
        assert session.exec(select(type(row)).where(type(row).id == row.id)).first() is None
    with tenant_session(world["b"]["org"].id) as session:
        assert session.get(type(row), row.id) is not None  # it exists: only A cannot see it


@pytest.mark.parametrize("role", ["admin", "member"])
def test_listings_show_none_of_another_organizations_rows(world, role):
    actor = world["a"][role]
    b_org = world["b"]["org"].id
    b_emails = {r.email for r in all_rows(Invitation, org_id=b_org)} | {world["b"]["admin"].email,
                                                                        world["b"]["member"].email}

    listed_members = in_tenant(actor, lambda s, p: members.list_members(session=s, actor=p))
    assert {m.email for m in listed_members} == {world["a"]["admin"].email, world["a"]["member"].email}
    if role == "admin":
        listed_invitations = in_tenant(actor, lambda s, p: invitations.list_for_org(session=s, actor=p))
        events = in_tenant(actor, lambda s, p: audit.recent(session=s, actor=p))
        assert {i.org_id for i in listed_invitations} == {world["a"]["org"].id}
        assert {e.org_id for e in events} == {world["a"]["org"].id}
        assert not {i.email for i in listed_invitations} & b_emails
    with system_session() as session:
        mine = organizations.for_user(session=session, user_id=actor.user_id)
    assert [org.id for org in mine] == [world["a"]["org"].id]


def test_a_session_row_pointing_at_a_foreign_organization_grants_nothing(world):
    """Were a session's active organization ever set to B by some bug, the principal still re-checks membership."""
    fresh, token = signed_in(make_user(name="Fresh"), None)
    with system_session() as session:
        session.get(AuthSession, fresh.session_id).active_org_id = world["b"]["org"].id

    forged = resolve(token)

    assert (forged.org_id, forged.org_name, forged.role) == (None, "", None)
