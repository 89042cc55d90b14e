"""identity: accounts without an email, verifications bound to their address and sign-up

Revision ID: c9a1b2d3e901
Revises: c8a1b2d3e801
Create Date: 2026-12-06 20:30:00

- users.email becomes nullable: a provider that does not vouch for an address makes an account without one, which
  must give an address and prove it with an emailed code before it signs in (NULLs never collide in the unique
  index, on SQLite or PostgreSQL).
- email_tokens.email: the address a verification went to when the account does not hold it yet.
- email_tokens.password_hash: the password chosen by the sign-up that asked for the verification; it takes effect
  when that token proves the mailbox.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'c9a1b2d3e901'
down_revision: Union[str, Sequence[str], None] = 'c8a1b2d3e801'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True))
        batch_op.add_column(sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
        batch_op.drop_column('email')
    op.execute("DELETE FROM users WHERE email IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False)
