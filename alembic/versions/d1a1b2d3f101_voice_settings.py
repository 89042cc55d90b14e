"""voices: each organization's settings of a voice (issue 17)

Revision ID: d1a1b2d3f101
Revises: cfa1b2d3ef01
Create Date: 2026-12-16 09:00:00

- voice_settings: per organization and voice, ElevenLabs' voice settings as JSON (POST
  /v1/voices/{voice_id}/settings/edit). Keyed by organization as well as voice, because built-in voices are shared by
  every organization and each keeps its own settings of them. Deleted with the voice or the organization.

It has an org_id, so on PostgreSQL it gets row-level security like every tenant table (c7a1b2d3e701's `enable_rls`).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'd1a1b2d3f101'
down_revision: Union[str, Sequence[str], None] = 'cfa1b2d3ef01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OWN = "resonance_org_visible(org_id)"  # the function c7a1b2d3e701 creates
TABLE = "voice_settings"


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('voice_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('settings', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voice_id'], ['voices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'voice_id')
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_settings_voice_id'), ['voice_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'ALTER TABLE "{TABLE}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{TABLE}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY org_isolation ON "{TABLE}" USING ({OWN}) WITH CHECK ({OWN})')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'DROP POLICY IF EXISTS org_isolation ON "{TABLE}"')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_settings_voice_id'))
    op.drop_table(TABLE)
