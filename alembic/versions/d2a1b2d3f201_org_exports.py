"""org exports: an organization's data as one archive, written by a durable job (issue 19)

Revision ID: d2a1b2d3f201
Revises: d1a1b2d3f101
Create Date: 2026-12-20 09:00:00

- org_exports: one row per export an Admin asked for: the job's state and progress, where the finished archive lies
  and until when (orgs/exports.py). Deleted with the organization; the asker's id goes when their account does.

It has an org_id, so on PostgreSQL it gets row-level security like every tenant table (c7a1b2d3e701's `enable_rls`).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'd2a1b2d3f201'
down_revision: Union[str, Sequence[str], None] = 'd1a1b2d3f101'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OWN = "resonance_org_visible(org_id)"  # the function c7a1b2d3e701 creates
TABLE = "org_exports"


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('object_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_exports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_exports_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_exports_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_exports_status'), ['status'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'ALTER TABLE "{TABLE}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{TABLE}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY org_isolation ON "{TABLE}" USING ({OWN}) WITH CHECK ({OWN})')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'DROP POLICY IF EXISTS org_isolation ON "{TABLE}"')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_exports_status'))
        batch_op.drop_index(batch_op.f('ix_org_exports_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_exports_expires_at'))
        batch_op.drop_index(batch_op.f('ix_org_exports_created_at'))
    op.drop_table(TABLE)
