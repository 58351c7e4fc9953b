"""users: language and time zone

Revision ID: 9e4b7a2c5d1f
Revises: 9e4b7a1c2d3f
Create Date: 2026-12-07 17:45:00.000000

Each user may choose the interface language and the time zone dates are shown in; both
are empty (the site's defaults) for existing users.
"""

from alembic import op
import sqlalchemy as sa


revision = '9e4b7a2c5d1f'
down_revision = '9e4b7a1c2d3f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('language')
