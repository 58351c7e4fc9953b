"""stock valuations without their position index (found through their moves' index)

Revision ID: 9e4b7a1c2d3f
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-07 17:50:00.000000
"""

from alembic import op


revision = '9e4b7a1c2d3f'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_valuations', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_valuations_position')


def downgrade() -> None:
    with op.batch_alter_table('stock_valuations', schema=None) as batch_op:
        batch_op.create_index('ix_stock_valuations_position',
                              ['item_id', 'warehouse_id', 'move_date', 'move_id'], unique=False)
