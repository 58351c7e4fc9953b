"""planning: runs keep their distinct pegging keys (compact pegging)

Revision ID: f3a1c2d4e5b6
Revises: e9e76841a65b
Create Date: 2026-12-07 14:20:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = 'f3a1c2d4e5b6'
down_revision = 'e9e76841a65b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('planning_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pegging_keys', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('planning_runs', schema=None) as batch_op:
        batch_op.drop_column('pegging_keys')
