"""identity: second factors (authenticator apps and backup codes)

Revision ID: cda1b2d3ed01
Revises: cca1b2d3ec01
Create Date: 2026-12-11 09:00:00

- totp_factors: one authenticator per user; the key encrypted, on once confirmed, the last accepted time step.
- backup_codes: single-use codes by keyed digest.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'cda1b2d3ed01'
down_revision: Union[str, Sequence[str], None] = 'cca1b2d3ec01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'totp_factors',
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('last_step', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'backup_codes',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('backup_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_backup_codes_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_backup_codes_code_hash'), ['code_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('backup_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_backup_codes_code_hash'))
        batch_op.drop_index(batch_op.f('ix_backup_codes_user_id'))
    op.drop_table('backup_codes')
    op.drop_table('totp_factors')
