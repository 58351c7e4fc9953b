"""proposal numbering series

Revision ID: 3b8e5f1c2d47
Revises: 0fb5111547c2
Create Date: 2026-12-07 14:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '3b8e5f1c2d47'
down_revision = '0fb5111547c2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposals_counters',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_proposals_counters')),
    info={'owner': 'proposals'}
    )


def downgrade() -> None:
    op.drop_table('proposals_counters')
