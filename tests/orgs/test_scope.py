"""The tenant scope (resonance/orgs/scope.py): every ORM read and write of tenant tables stays in one organization;
shared (org_id NULL) voices are readable by all and writable by none."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, update
from sqlalchemy.orm import aliased
from sqlmodel import select

from resonance.core.db import session_scope
from resonance.generations.models import Generation
from resonance.identity.models import User
from resonance.orgs import invitations
from resonance.orgs.models import AuditEvent, Invitation, Membership
from resonance.orgs.scope import TenantScopeError, current_org, system_session, tenant_session, unscoped
from resonance.voices.models import Voice
from tests.factories import add_member, all_rows, get, make_generation, make_org, make_user, make_voice, \
    signed_in

TENANT_MODELS = [Membership, Invitation, AuditEvent, Voice, Generation]


@pytest.fixture
def tenants(db):
    """Orgs A and B, each with a row in every tenant table, and one shared (system) voice."""
    out = {}
    for key in ("a", "b"):
        admin = make_user(name=f"Admin {key}")
        org = make_org(admin=admin, name=f"Org {key.upper()}")  # a membership and an audit event
        member = make_user(name=f"Member {key}")
        add_member(org, member)
        actor, _ = signed_in(admin, org)
        with tenant_session(org.id) as session:
            invitations.invite(session=session, actor=actor, email=f"invitee-{key}@example.com")
        voice = make_voice(org, name=f"Voice {key}")
        out[key] = {"org": org, "voice": voice, "generation": make_generation(org, voice), "member": member}
    out["shared"] = make_voice(None, name="Shared narrator")
    return out


def ids_by_model(org_id: str) -> dict[type, set[str]]:
    return {model: {row.id for row in all_rows(model, org_id=org_id)} for model in TENANT_MODELS}


def test_a_scoped_session_sees_its_own_rows_and_shared_voices_only(tenants):
    a, b = tenants["a"]["org"].id, tenants["b"]["org"].id
    expected = ids_by_model(a)
    expected[Voice] |= {tenants["shared"].id}

    with tenant_session(a) as session:
        assert current_org(session) == a
        seen = {model: {row.id for row in session.exec(select(model))} for model in TENANT_MODELS}
        asking_for_b = session.exec(select(Voice).where(Voice.org_id == b)).all()

    assert seen == expected
    assert asking_for_b == []
    assert all(ids_by_model(b)[model] for model in TENANT_MODELS)  # B has rows of every kind


def test_get_of_another_organizations_id_returns_none(tenants):
    a, b = tenants["a"]["org"].id, tenants["b"]["org"].id
    b_ids = ids_by_model(b)
    own_ids = ids_by_model(a)
    with tenant_session(a) as session:
        for model in TENANT_MODELS:
            for foreign in b_ids[model]:
                assert session.get(model, foreign) is None, model.__name__
            for own in own_ids[model]:
                assert session.get(model, own) is not None, model.__name__
        assert session.get(Voice, tenants["shared"].id).name == "Shared narrator"


@pytest.mark.parametrize("shape", ["join", "subquery", "select_from-count", "aliased-join", "column-count"])
def test_joins_subqueries_and_counts_are_scoped_too(tenants, shape):
    a = tenants["a"]["org"]
    statements = {
        "join": select(User.email).join(Membership, Membership.user_id == User.id),
        "subquery": select(User.email).where(User.id.in_(select(Membership.user_id))),
        "select_from-count": select(func.count()).select_from(Membership),
        "aliased-join": select(User.email).join(m := aliased(Membership), m.user_id == User.id),
        "column-count": select(func.count(Membership.id)),
    }
    with system_session() as session:
        a_members = sorted(session.exec(
            select(User.email).join(Membership, Membership.user_id == User.id).where(Membership.org_id == a.id)))
    with tenant_session(a.id) as session:
        result = session.exec(statements[shape]).all()
    if "count" in shape:
        assert result == [len(a_members)] == [2]
    else:
        assert sorted(result) == a_members


def test_bulk_update_cannot_touch_other_organizations_or_shared_rows(tenants):
    a, b = tenants["a"], tenants["b"]
    with tenant_session(a["org"].id) as session:
        assert session.exec(update(Voice).values(description="changed")).rowcount == 1
        targeted = update(Generation).where(Generation.id == b["generation"].id).values(text="hijacked")
        assert session.exec(targeted).rowcount == 0
        session.exec(update(Membership).values(role="admin"))

    assert get(Voice, a["voice"].id).description == "changed"
    assert get(Voice, b["voice"].id).description is None
    assert get(Voice, tenants["shared"].id).description is None
    assert get(Generation, b["generation"].id).text == "Hello there."
    assert {m.role for m in all_rows(Membership, org_id=b["org"].id)} == {"admin", "member"}
    assert {m.role for m in all_rows(Membership, org_id=a["org"].id)} == {"admin"}


def test_bulk_delete_cannot_touch_other_organizations_or_shared_rows(tenants):
    a, b = tenants["a"], tenants["b"]
    b_before = ids_by_model(b["org"].id)
    with tenant_session(a["org"].id) as session:
        assert session.exec(delete(Generation).where(Generation.id == b["generation"].id)).rowcount == 0
        session.exec(delete(Generation))
        assert session.exec(delete(Voice)).rowcount == 1
        session.exec(delete(Invitation))

    assert ids_by_model(b["org"].id) == b_before
    assert get(Voice, tenants["shared"].id) is not None
    assert all_rows(Voice, org_id=a["org"].id) == [] and all_rows(Invitation, org_id=a["org"].id) == []


@pytest.mark.parametrize("write", ["insert-other-org", "insert-shared", "move-own-row", "change-shared",
                                   "delete-shared"])
def test_writing_a_row_outside_the_organization_raises(tenants, write):
    a, b = tenants["a"], tenants["b"]
    before = {model: ids_by_model(org["org"].id)[model] for org in (a, b) for model in [Voice]}
    with pytest.raises(TenantScopeError, match="another organization"):
        with tenant_session(a["org"].id) as session:
            if write == "insert-other-org":
                session.add(Voice(org_id=b["org"].id, name="Planted", variant="CUSTOM"))
            elif write == "insert-shared":
                session.add(Voice(org_id=None, name="Fake system voice", variant="SYSTEM"))
            elif write == "move-own-row":
                session.get(Voice, a["voice"].id).org_id = b["org"].id
            elif write == "change-shared":
                session.get(Voice, tenants["shared"].id).name = "Renamed by a tenant"
            else:
                session.delete(session.get(Voice, tenants["shared"].id))
            session.flush()

    assert {model: ids_by_model(org["org"].id)[model] for org in (a, b) for model in [Voice]} == before
    assert get(Voice, tenants["shared"].id).name == "Shared narrator"
    assert get(Voice, a["voice"].id).org_id == a["org"].id
    assert len(all_rows(Voice)) == 3


@pytest.mark.parametrize("statement", ["select", "get", "update", "delete", "join", "count"])
def test_a_tenant_query_from_an_unscoped_session_raises(tenants, statement):
    voice_id = tenants["a"]["voice"].id
    with pytest.raises(TenantScopeError, match="without an organization scope"):
        with session_scope() as session:
            if statement == "select":
                session.exec(select(Voice)).all()
            elif statement == "get":
                session.get(Generation, tenants["a"]["generation"].id)
            elif statement == "update":
                session.exec(update(Voice).where(Voice.id == voice_id).values(name="x"))
            elif statement == "delete":
                session.exec(delete(Membership))
            elif statement == "join":
                session.exec(select(User).join(Membership, Membership.user_id == User.id)).all()
            else:
                session.exec(select(func.count()).select_from(Invitation)).one()
    assert get(Voice, voice_id).name == "Voice a"
    assert len(all_rows(Membership)) == 4


def test_non_tenant_tables_need_no_scope(tenants):
    with session_scope() as session:
        assert len(session.exec(select(User)).all()) == 4


def test_unscoped_lifts_the_filter_for_a_block_only(tenants):
    a, b = tenants["a"]["org"].id, tenants["b"]["org"].id
    with tenant_session(a) as session:
        with unscoped(session):
            assert session.get(Invitation, next(iter(ids_by_model(b)[Invitation]))) is not None
            assert len(session.exec(select(Voice)).all()) == 3
        assert session.get(Voice, tenants["b"]["voice"].id) is None  # filtered again after the block
        assert {v.org_id for v in session.exec(select(Voice))} == {a, None}


def test_a_system_session_sees_every_organization(tenants):
    with system_session() as session:
        assert len(session.exec(select(Voice)).all()) == 3
        assert len(session.exec(select(Membership)).all()) == 4


def test_rows_loaded_inside_unscoped_are_not_served_to_a_later_get(tenants):
    a, b = tenants["a"], tenants["b"]
    with tenant_session(a["org"].id) as session:
        with unscoped(session):
            held = session.exec(select(Voice)).all()  # B's voice stays referenced
            assert b["voice"].id in {v.id for v in held}
        assert session.get(Voice, b["voice"].id) is None
        assert session.get(Voice, a["voice"].id) is not None


def test_writes_made_inside_unscoped_are_kept(tenants):
    b = tenants["b"]
    with tenant_session(tenants["a"]["org"].id) as session:
        with unscoped(session):
            session.get(Voice, b["voice"].id).description = "set by a cross-organization job"
    assert get(Voice, b["voice"].id).description == "set by a cross-organization job"
