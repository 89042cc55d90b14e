"""billing: subscription state, webhook receipts, usage records

Revision ID: c4a1b2d3e401
Revises: 74afbd77f993
Create Date: 2026-11-26 09:10:00

Tables of resonance/billing/models.py: billing_states (last known Polar state per organization),
polar_webhook_receipts (webhook ids, unique, for deduplication) and usage_records (billable events awaiting or
after delivery; unique per kind and source so a retried job records once).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'c4a1b2d3e401'
down_revision: Union[str, Sequence[str], None] = '74afbd77f993'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('billing_states',
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('subscription_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('subscription_status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('period_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('period_end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('meter_amount_cents', sa.Integer(), nullable=True),
    sa.Column('state_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('polar_webhook_receipts',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('polar_webhook_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polar_webhook_receipts_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_polar_webhook_receipts_received_at'), ['received_at'], unique=False)

    op.create_table('usage_records',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('characters', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'source_id', name='uq_usage_records_kind_source')
    )
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_records_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_records_delivered_at'), ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_records_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_records_org_id'))
        batch_op.drop_index(batch_op.f('ix_usage_records_delivered_at'))
        batch_op.drop_index(batch_op.f('ix_usage_records_created_at'))
    op.drop_table('usage_records')
    with op.batch_alter_table('polar_webhook_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polar_webhook_receipts_received_at'))
        batch_op.drop_index(batch_op.f('ix_polar_webhook_receipts_org_id'))
    op.drop_table('polar_webhook_receipts')
    op.drop_table('billing_states')
