"""identity: security events (sign-ins and changes to how an account signs in)

Revision ID: cfa1b2d3ef01
Revises: cea1b2d3ee01
Create Date: 2026-12-14 09:00:00

- security_events: one row per sign-in, password or email change, two-step and passkey change; the device, network
  and approximate place it came from; details as JSON (never a secret).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'cfa1b2d3ef01'
down_revision: Union[str, Sequence[str], None] = 'cea1b2d3ee01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'security_events',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('details', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_events_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_events_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_security_events_user_id'))
    op.drop_table('security_events')
