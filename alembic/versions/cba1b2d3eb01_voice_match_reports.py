"""voices: the match report

Revision ID: cba1b2d3eb01
Revises: caa1b2d3ea01
Create Date: 2026-12-10 09:00:00

- voices.match_report: JSON describing the recording (from the upload) and then the finished match (the Kokoro
  voices blended for timbre and for prosody, the scores on the held-back part of the recording, the pitch, the work
  done); NULL for built-in voices and for voices uploaded before it existed.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'cba1b2d3eb01'
down_revision: Union[str, Sequence[str], None] = 'caa1b2d3ea01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('voices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_report', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('voices', schema=None) as batch_op:
        batch_op.drop_column('match_report')
