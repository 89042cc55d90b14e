"""org file purges: the stored files of a deleted organization, deleted by a durable job (issue 13)

Revision ID: c8a1b2d3e801
Revises: c7a1b2d3e701
Create Date: 2026-12-06 20:00:00

The table has an org_id (the deleted organization's), so on PostgreSQL it gets row-level security like every tenant
table (c7a1b2d3e701's `enable_rls`): the deletion writes its row in the organization's tenant session, the job reads
it in a system session.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'c8a1b2d3e801'
down_revision: Union[str, Sequence[str], None] = 'c7a1b2d3e701'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OWN = "resonance_org_visible(org_id)"  # the function c7a1b2d3e701 creates


def upgrade() -> None:
    op.create_table('org_file_purges',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefixes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('deleted_objects', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('org_file_purges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_file_purges_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_file_purges_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_file_purges_status'), ['status'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE "org_file_purges" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "org_file_purges" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY org_isolation ON "org_file_purges" USING ({OWN}) WITH CHECK ({OWN})')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP POLICY IF EXISTS org_isolation ON "org_file_purges"')
    with op.batch_alter_table('org_file_purges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_file_purges_status'))
        batch_op.drop_index(batch_op.f('ix_org_file_purges_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_file_purges_created_at'))
    op.drop_table('org_file_purges')
