"""mail: outbox delivery retries

Revision ID: c5b1b2d3e551
Revises: c5a1b2d3e501
Create Date: 2026-11-26 09:10:00

Outbox rows get a delivery status and the time of their next attempt (or the end of a deliverer's claim).
Rows written before this revision were dev-outbox messages: they become 'logged' and are never sent.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'c5b1b2d3e551'
down_revision: Union[str, Sequence[str], None] = 'c5a1b2d3e501'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      server_default=sa.text("'logged'"), nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_outbox_emails_due', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_emails_due')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('status')
