"""organizations: the two-step verification policy

Revision ID: d0a1b2d3f001
Revises: cda1b2d3ed01
Create Date: 2026-12-12 09:00:00

- organizations.require_two_step: members without two-step verification must set it up before entering.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = 'd0a1b2d3f001'
down_revision: Union[str, Sequence[str], None] = 'cda1b2d3ed01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_two_step', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('require_two_step')
