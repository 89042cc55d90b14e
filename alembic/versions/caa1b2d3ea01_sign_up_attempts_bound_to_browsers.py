"""identity: sign-up attempts bound to the browser that made them

Revision ID: caa1b2d3ea01
Revises: c9a1b2d3e901
Create Date: 2026-12-06 21:00:00

- email_tokens.browser_hash: keyed digest of the secret in the HttpOnly sign-up cookie of the browser that made the
  attempt; the attempt's code works only there, and its password takes effect only there.
- email_tokens.name: the name the attempt gave; it becomes the account's when the attempt proves the mailbox.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'caa1b2d3ea01'
down_revision: Union[str, Sequence[str], None] = 'c9a1b2d3e901'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column('browser_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.drop_column('browser_hash')
        batch_op.drop_column('name')
