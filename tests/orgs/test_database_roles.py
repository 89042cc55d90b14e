"""The production database roles, as documented: docs/production.md's SQL block run as written on a fresh PostgreSQL
database, the migrations run as the owner it creates, then the app connected as its restricted role. Row-level
security must hold for that role (it neither owns the tables nor bypasses RLS) and it must not change the schema.
compose.yaml (no Docker here) is checked by reading it: the web and worker processes connect as the app role, only
the migrate service has the owner's URL, and the postgres container creates the roles with the documented SQL."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from resonance.core.db import get_engine
from resonance.generations.models import Generation
from resonance.orgs.scope import system_session, tenant_session
from tests.conftest import POSTGRES_ADMIN_URL, _clear_caches, migrate_to_head
from tests.factories import make_generation, make_org, make_user, make_voice

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- database-roles:"


def documented_sql() -> str:
    """The fenced sql block right after the database-roles marker in docs/production.md."""
    docs = (ROOT / "docs" / "production.md").read_text()
    match = re.search(re.escape(MARKER) + r".*?-->\s*```sql\n(.*?)\n```", docs, re.S)
    assert match, "docs/production.md lost its database-roles block"
    return match.group(1)


def statements(sql: str) -> list[str]:
    """Statements and psql's `\\connect` lines, in order (the block has no semicolon inside a string or comment)."""
    out, pending = [], []
    for line in sql.splitlines():
        line = line.split("--", 1)[0].rstrip()
        if line.startswith("\\"):
            out.append(line)
        elif line:
            pending.append(line.strip())
            if line.endswith(";"):
                out.append(" ".join(pending))
                pending = []
    assert not pending, f"unterminated statement: {pending}"
    return out


# compose.yaml and its init script


def test_compose_runs_the_app_as_the_restricted_role_and_only_migrate_as_the_owner():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("web", "worker", "speech", "migrate"):
        env = services[name]["environment"]
        assert re.fullmatch(r"postgresql://resonance_app:\$\{DB_APP_PASSWORD[^}]*\}@postgres:5432/resonance",
                            env["RESONANCE_DATABASE_URL"]), name
        assert ("RESONANCE_MIGRATION_DATABASE_URL" in env) == (name == "migrate"), name
    migrate = services["migrate"]
    assert migrate["environment"]["RESONANCE_MIGRATION_DATABASE_URL"].startswith("postgresql://resonance_owner:")
    assert "reflex db migrate" in " ".join(migrate["command"])
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_USER"] not in ("resonance_app", "resonance_owner")
    assert "./deploy/postgres-roles.sh:/docker-entrypoint-initdb.d/10-resonance-roles.sh:ro" in postgres["volumes"]


def test_the_compose_init_script_runs_the_documented_sql():
    script = (ROOT / "deploy" / "postgres-roles.sh").read_text()
    assert os.access(ROOT / "deploy" / "postgres-roles.sh", os.X_OK)
    sql = re.search(r"<<'SQL'\n(.*?)\nSQL\n", script, re.S).group(1)
    as_documented = sql.replace(":'owner_password'", "'change-me-owner'").replace(":'app_password'", "'change-me-app'")
    assert statements(as_documented) == statements(documented_sql())


# The documented SQL on a fresh database


@pytest.fixture(scope="module")
def roles():
    """Roles and a database made by the documented SQL (names made unique on this shared server), migrated as the
    owner; yields (owner URL, app URL)."""
    admin_url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg2")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        admin.connect().close()
    except Exception as error:  # noqa: BLE001
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    suffix = secrets.token_hex(3)
    owner, app = f"resonance_test_owner_{suffix}", f"resonance_test_app_{suffix}"
    database = f"resonance_test_{os.getpid()}_roles{suffix}"  # conftest drops it if this run is killed
    sql = documented_sql()
    for name, unique in (("resonance_owner", owner), ("resonance_app", app), ("resonance", database)):
        sql = re.sub(rf"\b{name}\b", unique, sql)
    engines = [admin]
    try:
        conn = admin.connect()
        for statement in statements(sql):
            if statement.startswith("\\connect "):  # psql's meta-command: the rest runs in that database
                conn.close()
                engines.append(create_engine(admin_url.set(database=statement.split()[1]),
                                             isolation_level="AUTOCOMMIT"))
                conn = engines[-1].connect()
            else:
                conn.execute(text(statement))
        conn.close()
        owner_url = admin_url.set(drivername="postgresql", username=owner, password="change-me-owner",
                                  database=database).render_as_string(hide_password=False)
        app_url = admin_url.set(drivername="postgresql", username=app, password="change-me-app",
                                database=database).render_as_string(hide_password=False)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RESONANCE_MIGRATION_DATABASE_URL", owner_url)
            env.setenv("RESONANCE_DATABASE_URL", app_url)
            _clear_caches()
            migrate_to_head()
        _clear_caches()
        yield owner_url, app_url
    finally:
        _clear_caches()
        for engine in engines[1:]:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in (app, owner):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.fixture
def as_app(roles, monkeypatch):
    monkeypatch.setenv("RESONANCE_DATABASE_URL", roles[1])
    _clear_caches()
    yield roles[1]
    _clear_caches()


@pytest.mark.postgres
def test_the_migrations_ran_as_the_owner_who_is_no_superuser(roles):
    owner_url, app_url = roles
    engine = create_engine(owner_url)
    with engine.connect() as conn:
        tables = dict(conn.execute(text(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")).all())
        owner_flags = conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    engine.dispose()
    assert {"organizations", "generations", "memberships", "alembic_version"} <= set(tables)
    assert set(tables.values()) == {make_url(owner_url).username}
    assert tuple(owner_flags) == (False, False)


@pytest.mark.postgres
def test_the_app_role_works_within_its_tenant_and_sees_no_other(as_app):
    with get_engine().connect() as conn:
        flags = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert tuple(flags) == (False, False)
    orgs = {}
    for key in ("a", "b"):  # sign-up work: system sessions, as the app role
        org = make_org(admin=make_user(name=f"Admin {key}"), name=f"Org {key}")
        orgs[key] = (org, make_generation(org, make_voice(org, name=f"Voice {key}")))
    org_a, generation_a = orgs["a"]
    with tenant_session(org_a.id) as session:  # app work in a tenant scope: insert, read, update
        extra = Generation(org_id=org_a.id, text="More.", voice_name="Voice a")
        session.add(extra)
        row = session.get(Generation, generation_a.id)
        row.text = "Changed."
        session.add(row)
    with tenant_session(org_a.id) as session:  # and delete
        session.delete(session.get(Generation, extra.id))
    with tenant_session(org_a.id) as session:
        # Raw SQL skips the ORM's tenant filter: only row-level security stands between it and org B's rows.
        seen = set(session.execute(text("SELECT org_id FROM generations")).scalars())
        voices = set(session.execute(text("SELECT org_id FROM voices")).scalars())
        changed = session.execute(text("UPDATE generations SET text = 'x' WHERE org_id = :b"),
                                  {"b": orgs["b"][0].id}).rowcount
        members = set(session.execute(text("SELECT org_id FROM memberships")).scalars())
    assert seen == {org_a.id} and voices == {org_a.id} and members == {org_a.id}
    assert changed == 0
    with system_session() as session:
        assert session.get(Generation, orgs["b"][1].id).text == "Hello there."
        assert session.get(Generation, generation_a.id).text == "Changed."


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "ALTER TABLE generations DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE generations NO FORCE ROW LEVEL SECURITY",
    "DROP POLICY org_isolation ON generations",
    "DROP TABLE generations",
    "ALTER TABLE organizations ADD COLUMN backdoor text",
    "CREATE TABLE backdoor (id int)",
    "TRUNCATE generations",
    "UPDATE alembic_version SET version_num = 'x'",
])
def test_the_app_role_cannot_change_the_schema_or_its_security(as_app, statement):
    with get_engine().connect() as conn:
        with pytest.raises(DBAPIError, match="must be owner|permission denied"):
            conn.execute(text(statement))
