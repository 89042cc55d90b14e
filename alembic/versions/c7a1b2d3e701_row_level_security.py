"""row-level security on tenant tables (PostgreSQL); history page index

Revision ID: c7a1b2d3e701
Revises: c6a1b2d3e601
Create Date: 2026-11-26 09:10:00

PostgreSQL only, a second wall behind the application's tenant filter (resonance/orgs/scope.py):

- Every table with an `org_id` column gets ENABLE and FORCE ROW LEVEL SECURITY and the policy `org_isolation`: a
  row is visible and writable when its org_id is the transaction's `app.current_org`, or when the transaction is
  marked `app.system = 'on'` (system sessions); the function `resonance_org_visible(org_id)` says which. Tables whose
  org_id may be NULL for rows everyone reads (`voices`, the OrgOwnedOrShared mixin) also get `org_shared_read`: NULL
  rows are readable, never writable, by a tenant. Nothing set (a session neither scoped nor system): no
  organization's rows.
- The wall holds only when the app connects as a role that is neither a superuser nor BYPASSRLS (those skip every
  policy; FORCE makes the tables' owner obey them too). Migrations run as the owner: set
  RESONANCE_MIGRATION_DATABASE_URL to the owner's URL and RESONANCE_DATABASE_URL to the app role's. When the two
  users differ, this migration grants the app role what it needs on the existing tables and, through default
  privileges, on tables later migrations create.

  Once, as a superuser or a role with CREATEROLE:
      CREATE ROLE resonance_app LOGIN PASSWORD '…' NOSUPERUSER NOBYPASSRLS;
      GRANT CONNECT ON DATABASE resonance TO resonance_app;

A later migration that adds a tenant table must call `enable_rls(table, shared=...)` as defined here (copy it);
tests/orgs/test_row_level_security.py fails for a tenant model whose table has no policy.

Both backends: generations get the index (org_id, created_at, id) that the history page reads in order, so a page
is an index range scan however many generations the organization has.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = 'c7a1b2d3e701'
down_revision: Union[str, Sequence[str], None] = 'c6a1b2d3e601'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SHARED_TABLES = {"voices"}  # org_id NULL rows belong to everyone (system voices)

# The policy's test, in a PL/pgSQL function on purpose: the planner cannot see into it, so it estimates it as keeping a
# third of the rows. Written inline (org_id = current_setting(...) OR ...), the planner takes it for a filter that
# keeps one row in ten thousand, on top of the query's own org_id = X: it then expects a few rows of a large
# organization, sorts them all instead of reading the history index in order, and a 50-row page of an organization
# with 4,000 generations takes 25 ms instead of 0.3 ms.
VISIBLE_FUNCTION = """
CREATE OR REPLACE FUNCTION resonance_org_visible(row_org_id text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN row_org_id = current_setting('app.current_org', true) OR current_setting('app.system', true) = 'on';
END
$$
"""
OWN = "resonance_org_visible(org_id)"


def enable_rls(table: str, *, shared: bool = False) -> None:
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY org_isolation ON "{table}" USING ({OWN}) WITH CHECK ({OWN})')
    if shared:
        op.execute(f'CREATE POLICY org_shared_read ON "{table}" FOR SELECT USING (org_id IS NULL)')


def disable_rls(table: str) -> None:
    op.execute(f'DROP POLICY IF EXISTS org_shared_read ON "{table}"')
    op.execute(f'DROP POLICY IF EXISTS org_isolation ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


def tenant_tables() -> list[str]:
    """Every table of this schema with an org_id column, at this revision."""
    rows = op.get_bind().execute(sa.text(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name = 'org_id' ORDER BY table_name"
    ))
    return [name for (name,) in rows]


def app_role() -> str | None:
    """The role the app connects as, when it is not the role running this migration."""
    from resonance.core.config import get_settings

    app_user = sa.engine.make_url(get_settings().DATABASE_URL).username
    migrating = op.get_bind().execute(sa.text("SELECT current_user")).scalar()
    return app_user if app_user and app_user != migrating else None


def upgrade() -> None:
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.create_index('ix_generations_org_created', ['org_id', 'created_at', 'id'], unique=False)

    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no row-level security: the application's filter is the only wall there
    op.execute(VISIBLE_FUNCTION)
    for table in tenant_tables():
        enable_rls(table, shared=table in SHARED_TABLES)
    role = app_role()
    if role:
        op.execute(f'GRANT USAGE ON SCHEMA "{_schema()}" TO "{role}"')
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{_schema()}" TO "{role}"')
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{_schema()}" TO "{role}"')
        op.execute(f'REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM "{role}"')
        op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{_schema()}" '
                   f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"')
        op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{_schema()}" GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in tenant_tables():
            disable_rls(table)
        op.execute("DROP FUNCTION IF EXISTS resonance_org_visible(text)")
        # Grants stay: they are the app's access, which the schema before this revision needed just the same.

    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_index('ix_generations_org_created')


def _schema() -> str:
    return op.get_bind().execute(sa.text("SELECT current_schema()")).scalar()
