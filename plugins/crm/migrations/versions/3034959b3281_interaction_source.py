"""crm: an interaction's marketing channel (source), like a client's and a deal's

Revision ID: 3034959b3281
Revises: 96cdfe76bde4
Create Date: 2026-12-07 17:35:38.376902
"""

from alembic import op
import sqlalchemy as sa


revision = '3034959b3281'
down_revision = '96cdfe76bde4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crm_interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=50), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('crm_interactions', schema=None) as batch_op:
        batch_op.drop_column('source')

