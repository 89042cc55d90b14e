"""PostgreSQL row-level security (migration c7a1b2d3e701 + resonance/orgs/scope.py), the wall behind the ORM filter.

Runs against the PostgreSQL server only, on a database built by the Alembic migrations as the owner (postgres), with
the app connected as a role without BYPASSRLS, as production runs it. Statements that skip the ORM's tenant filter
(text SQL, Core table statements) must still see and change only the session's organization.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import bindparam, create_engine, literal_column, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from resonance.core import db
from resonance.core.db import get_engine, session_scope
from resonance.generations.models import Generation
from resonance.orgs.models import Membership
from resonance.orgs.scope import _OWNED, _SHARED, system_session, tenant_session, unscoped
from tests.conftest import POSTGRES_ADMIN_URL, _clear_caches, migrate_to_head
from tests.factories import make_generation, make_org, make_user, make_voice, resolve, signed_in

pytestmark = pytest.mark.postgres

APP_ROLE = "resonance_test_app"  # a login role with neither SUPERUSER nor BYPASSRLS (trust auth: no password)
ROOT = Path(__file__).resolve().parents[2]
RAW_TABLES = ["memberships", "invitations", "audit_events", "generations", "voices"]  # the fixture fills these
EVERY_TENANT_TABLE = sorted(t.name for t in SQLModel.metadata.sorted_tables if "org_id" in t.c)


@pytest.fixture(scope="module")
def app_url() -> str:
    """A migrated database of this module's own; the URL the app connects to it with, as APP_ROLE."""
    admin_url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg2")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        admin.connect().close()
    except Exception as error:  # noqa: BLE001
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"resonance_test_{os.getpid()}_rls{secrets.token_hex(3)}"  # conftest drops it if this run is killed
    with admin.connect() as conn:
        conn.execute(text(
            f"DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    owner = admin_url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    app = admin_url.set(drivername="postgresql", database=name, username=APP_ROLE, password=None)
    app = app.render_as_string(hide_password=False)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RESONANCE_MIGRATION_DATABASE_URL", owner)
            env.setenv("RESONANCE_DATABASE_URL", app)
            _clear_caches()
            migrate_to_head()
        _clear_caches()
        yield app
    finally:
        _clear_caches()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["psycopg2, scope with the first statement", "psycopg2, scope in a round trip of its own",
                        "psycopg 3"])
def as_app(request, app_url, monkeypatch) -> str:
    """The app connected as APP_ROLE; the scope reaches the server each way resonance/core/db.py can send it."""
    driver = "postgresql+psycopg://" if request.param == "psycopg 3" else "postgresql+psycopg2://"
    url = app_url.replace("postgresql://", driver)
    monkeypatch.setenv("RESONANCE_DATABASE_URL", url)
    _clear_caches()
    assert get_engine().dialect.driver == ("psycopg" if request.param == "psycopg 3" else "psycopg2")
    if request.param == "psycopg2, scope in a round trip of its own":
        db._folding.discard(get_engine())
    yield url
    _clear_caches()


@pytest.fixture
def two_orgs(as_app):
    """Orgs A and B with a row in every tenant table (written by system sessions, as the app role), and a shared
    voice."""
    out = {}
    for key in ("a", "b"):
        admin = make_user(name=f"Admin {key}")
        org = make_org(admin=admin, name=f"Org {key.upper()}")  # a membership and an audit event
        actor, token = signed_in(admin, org)
        with tenant_session(org.id) as session:
            from resonance.orgs import invitations

            invitations.invite(session=session, actor=actor, email=f"invitee-{key}-{secrets.token_hex(3)}@example.com")
        voice = make_voice(org, name=f"Voice {key}")
        out[key] = {"org": org.id, "voice": voice.id, "generation": make_generation(org, voice).id, "token": token}
    out["shared"] = make_voice(None, name="Shared narrator").id
    return out


def org_ids(session, table: str) -> set[str | None]:
    return set(session.execute(text(f"SELECT org_id FROM {table}")).scalars())


def test_the_app_role_is_subject_to_row_level_security(as_app):
    with get_engine().connect() as conn:
        row = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert tuple(row) == (False, False)


def test_every_tenant_table_has_row_level_security_forced_with_its_policy(app_url):
    """Fails for a new tenant table (a model with the mixin, or any table with org_id) whose migration adds no
    policy: enable it as c7a1b2d3e701's `enable_rls` does."""
    shared = {m.__tablename__ for m in _SHARED}
    tenant = {m.__tablename__ for m in _OWNED} | shared
    with_org_id = {t.name for t in SQLModel.metadata.sorted_tables if "org_id" in t.c}
    assert tenant <= with_org_id
    engine = create_engine(make_url(POSTGRES_ADMIN_URL).set(database=make_url(app_url).database,
                                                            drivername="postgresql+psycopg2"))
    with engine.connect() as conn:
        secured = {name: (enabled, forced) for name, enabled, forced in conn.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"))}
        policies = {(table, policy): (cmd, qual) for table, policy, cmd, qual in conn.execute(text(
            "SELECT tablename, policyname, cmd, qual FROM pg_policies WHERE schemaname = current_schema()"))}
    engine.dispose()
    for table in sorted(with_org_id):
        assert table in secured, f"{table}: no migration creates this table"
        assert secured[table] == (True, True), f"{table}: row-level security not enabled and forced"
        cmd, qual = policies[(table, "org_isolation")]
        assert cmd == "ALL" and qual.startswith("resonance_org_visible("), table
        assert ((table, "org_shared_read") in policies) == (table in shared), table


def test_text_sql_in_a_tenant_session_sees_only_its_own_rows(two_orgs):
    a, b = two_orgs["a"]["org"], two_orgs["b"]["org"]
    with tenant_session(a) as session:
        seen = {table: org_ids(session, table) for table in RAW_TABLES}
        asked_for_b = session.execute(text("SELECT id FROM generations WHERE org_id = :b"), {"b": b}).all()
        core = session.execute(select(Generation.__table__.c.org_id)).scalars().all()  # Core: no ORM filter
        everywhere = {table: org_ids(session, table) for table in EVERY_TENANT_TABLE}
    assert seen == {**{table: {a} for table in RAW_TABLES}, "voices": {a, None}}
    assert asked_for_b == [] and set(core) == {a}
    assert all(found <= {a, None if table == "voices" else a} for table, found in everywhere.items())


def test_writes_outside_the_organization_are_refused_or_touch_nothing(two_orgs):
    a, b = two_orgs["a"], two_orgs["b"]
    with tenant_session(a["org"]) as session:
        assert session.execute(text("UPDATE generations SET text = 'x' WHERE id = :id"), {"id": b["generation"]}).rowcount == 0
        assert session.execute(text("DELETE FROM voices WHERE id IN (:b, :shared)"),
                               {"b": b["voice"], "shared": two_orgs["shared"]}).rowcount == 0
        assert session.execute(text("UPDATE voices SET name = 'x' WHERE id = :id"), {"id": two_orgs["shared"]}).rowcount == 0
    for statement, values in [
        ("UPDATE generations SET org_id = :b WHERE id = :id", {"b": b["org"], "id": a["generation"]}),
        ("INSERT INTO memberships (id, org_id, user_id, role, created_at) "
         "SELECT 'mem_forged', :b, user_id, 'admin', now() FROM memberships LIMIT 1", {"b": b["org"]}),
        ("INSERT INTO voices (id, org_id, name, category, language, variant, match_status, match_progress, "
         "match_error, created_at, updated_at) VALUES ('voi_forged', NULL, 'x', 'GENERAL', 'en-US', 'SYSTEM', "
         "'none', 0, '', now(), now())", {}),
    ]:
        with pytest.raises(DBAPIError, match="row-level security"):
            with tenant_session(a["org"]) as session:
                session.execute(text(statement), values)
    with system_session() as session:
        owners = dict(session.execute(text("SELECT id, org_id FROM generations WHERE id IN (:a, :b)"),
                                      {"a": a["generation"], "b": b["generation"]}).all())
        names = set(session.execute(text("SELECT name FROM voices WHERE id IN (:b, :s)"),
                                    {"b": b["voice"], "s": two_orgs["shared"]}).scalars())
        forged = session.execute(text("SELECT count(*) FROM memberships WHERE id = 'mem_forged'")).scalar()
    assert owners == {a["generation"]: a["org"], b["generation"]: b["org"]}
    assert names == {"Voice b", "Shared narrator"} and forged == 0


def test_system_sessions_and_unscoped_blocks_see_every_organization(two_orgs):
    a, b = two_orgs["a"]["org"], two_orgs["b"]["org"]
    with system_session() as session:
        assert {a, b} <= org_ids(session, "generations")
        session.execute(text("UPDATE generations SET text = 'system edit' WHERE org_id = :b"), {"b": b})
    with tenant_session(a) as session:
        with unscoped(session):
            inside = org_ids(session, "memberships")
        after = org_ids(session, "memberships")
    assert {a, b} <= inside and after == {a}
    # Sign-in resolution reads memberships across organizations from a system session.
    assert resolve(two_orgs["b"]["token"]).org_id == b


def test_a_session_with_no_scope_sees_no_tenant_rows_and_settings_end_with_the_transaction(two_orgs):
    with tenant_session(two_orgs["a"]["org"]):
        pass
    with session_scope() as session:  # neither tenant nor system: nothing is set, so only shared voices are visible
        seen = {table: org_ids(session, table) for table in EVERY_TENANT_TABLE}
        assert seen == {**{table: set() for table in EVERY_TENANT_TABLE}, "voices": {None}}
        assert session.execute(text("SELECT count(*) FROM generations")).scalar() == 0
    with get_engine().connect() as conn:  # the pooled connection carries no organization into the next use
        leftover = conn.execute(text("SELECT current_setting('app.current_org', true), "
                                     "current_setting('app.system', true)")).one()
    assert all(value in (None, "") for value in leftover)


def test_tenant_sessions_read_and_write_through_the_orm_as_before(two_orgs):
    a = two_orgs["a"]["org"]
    newcomer = make_user(name="Newcomer")
    with tenant_session(a) as session:
        session.add(Membership(org_id=a, user_id=newcomer.id))  # the policy's WITH CHECK admits its own org
    with tenant_session(a) as session:
        members = session.execute(select(Membership)).scalars().all()
        generation = session.get(Generation, two_orgs["a"]["generation"])
        foreign = session.get(Generation, two_orgs["b"]["generation"])
    assert {m.org_id for m in members} == {a} and newcomer.id in {m.user_id for m in members}
    assert generation is not None and foreign is None


def test_a_write_that_opens_the_transaction_carries_the_scope_and_its_row_count(two_orgs):
    """The settings ride with the transaction's first statement: here the flush's UPDATE (one row, then two in one
    executemany), whose row counts the ORM checks against the rows it meant to change."""
    a = two_orgs["a"]["org"]
    with tenant_session(a) as session:
        first = session.get(Generation, two_orgs["a"]["generation"])
        second = make_generation_in(session, a)
    first.text, second.text = "edited once", "edited once"
    with tenant_session(a) as session:
        session.add(first)  # no SELECT before: the UPDATE is the first statement
    first.text, second.text = "edited twice", "edited twice"
    with tenant_session(a) as session:
        session.add_all([first, second])
    with system_session() as session:
        texts = set(session.execute(text("SELECT text FROM generations WHERE id IN (:a, :b)"),
                                    {"a": first.id, "b": second.id}).scalars())
    assert texts == {"edited twice"}


def test_a_one_round_trip_read_carries_its_scope_and_leaves_the_connection_as_it_was(two_orgs, as_app):
    """`read_first_row`, the session lookup of every event: the scope goes out with the query, on a connection in
    autocommit, and ends with it."""
    a, b = two_orgs["a"]["org"], two_orgs["b"]["org"]
    members = select(Membership.org_id, Membership.created_at).where(Membership.org_id == bindparam("org"))
    assert db.read_first_row(members, {"org": b}, org_id=a) is None  # a tenant read: the other org is not there
    own = db.read_first_row(members, {"org": a}, org_id=a)
    assert own[0] == a and own[1].tzinfo is not None  # columns come back through their types
    assert db.read_first_row(members, {"org": b}, system=True)[0] == b
    assert db.read_first_row(members, {"org": b}) is None  # no scope: no organization's rows
    for _ in range(6):  # psycopg 3 prepares a statement on its fifth use: the lookup stays prepared
        db.read_first_row(members, {"org": a}, org_id=a)

    with get_engine().connect() as conn:  # the same pooled connection
        leftover = conn.execute(text("SELECT current_setting('app.current_org', true), "
                                     "current_setting('app.system', true)")).one()
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements "
                                     "WHERE statement LIKE '%FROM memberships%'")).scalar()
    assert all(value in (None, "") for value in leftover)
    assert prepared == (1 if "psycopg://" in as_app else 0)
    # A read that fails (a query error, not a lost connection) hands the connection back all the same.
    with pytest.raises(DBAPIError, match="division by zero"):
        db.read_first_row(select(literal_column("1") / bindparam("zero")), {"zero": 0}, system=True)
    # Back in transactions: a failed unit of work on that connection still rolls back.
    with pytest.raises(RuntimeError):
        with system_session() as session:
            session.execute(text("UPDATE generations SET text = 'lost' WHERE id = :id"), {"id": two_orgs["a"]["generation"]})
            raise RuntimeError
    with system_session() as session:
        assert session.get(Generation, two_orgs["a"]["generation"]).text != "lost"


def make_generation_in(session, org_id: str) -> Generation:
    generation = Generation(org_id=org_id, text="Another.", voice_name="Aurora")
    session.add(generation)
    session.flush()
    return generation
