"""verified domains: an organization's email domains and the requests to join through them (issue #16)

Revision ID: cca1b2d3ec01
Revises: cba1b2d3eb01
Create Date: 2026-12-12 09:00:00

- org_domains: a domain an organization added, verified by a code mailed to an address at it; a partial unique
  index lets one organization at most hold it verified.
- org_join_requests: "Request to join" through a domain in suggestion mode, one per person and organization.

Both have an org_id, so on PostgreSQL they get row-level security like every tenant table (c7a1b2d3e701's
`enable_rls`). The /org-selection offers read verified domains across organizations in a system session.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'cca1b2d3ec01'
down_revision: Union[str, Sequence[str], None] = 'cba1b2d3eb01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OWN = "resonance_org_visible(org_id)"  # the function c7a1b2d3e701 creates
TABLES = ("org_domains", "org_join_requests")
VERIFIED = sa.text("verified_at IS NOT NULL")


def upgrade() -> None:
    op.create_table('org_domains',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=253), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('verified_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'domain')
    )
    with op.batch_alter_table('org_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_domains_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ux_org_domains_verified', ['domain'], unique=True,
                              sqlite_where=VERIFIED, postgresql_where=VERIFIED)

    op.create_table('org_join_requests',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=253), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'user_id')
    )
    with op.batch_alter_table('org_join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_join_requests_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_join_requests_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            op.execute(f'CREATE POLICY org_isolation ON "{table}" USING ({OWN}) WITH CHECK ({OWN})')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f'DROP POLICY IF EXISTS org_isolation ON "{table}"')
    with op.batch_alter_table('org_join_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_join_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_org_join_requests_org_id'))
    op.drop_table('org_join_requests')
    with op.batch_alter_table('org_domains', schema=None) as batch_op:
        batch_op.drop_index('ux_org_domains_verified')
        batch_op.drop_index(batch_op.f('ix_org_domains_org_id'))
    op.drop_table('org_domains')
