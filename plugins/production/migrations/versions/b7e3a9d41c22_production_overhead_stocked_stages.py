"""production: overhead rates, stocked stages

Revision ID: b7e3a9d41c22
Revises: 6c4ad39a16ed
Create Date: 2026-12-07 14:20:00.000000
"""

from alembic import op
import sqlalchemy as sa
import ordercraft.sdk.models


revision = 'b7e3a9d41c22'
down_revision = '6c4ad39a16ed'
branch_labels = None
depends_on = None


def _money(name: str) -> sa.Column:
    return sa.Column(name, ordercraft.sdk.models.ExactDecimal(), nullable=False,
                     server_default='0')


def upgrade() -> None:
    with op.batch_alter_table('production_work_centres', schema=None) as batch_op:
        batch_op.add_column(_money('overhead_pct'))
    with op.batch_alter_table('production_order_operations', schema=None) as batch_op:
        batch_op.add_column(_money('overhead_pct'))
    with op.batch_alter_table('production_orders', schema=None) as batch_op:
        batch_op.add_column(_money('material_overhead_pct'))
        batch_op.add_column(sa.Column('stocked_stages', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('production_routings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stocked_stages', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('production_order_components', schema=None) as batch_op:
        batch_op.add_column(sa.Column('node_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_production_order_components_node_item_id_items',
                                    'items', ['node_item_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('production_order_components', schema=None) as batch_op:
        batch_op.drop_constraint('fk_production_order_components_node_item_id_items',
                                 type_='foreignkey')
        batch_op.drop_column('node_item_id')
    with op.batch_alter_table('production_routings', schema=None) as batch_op:
        batch_op.drop_column('stocked_stages')
    with op.batch_alter_table('production_orders', schema=None) as batch_op:
        batch_op.drop_column('stocked_stages')
        batch_op.drop_column('material_overhead_pct')
    with op.batch_alter_table('production_order_operations', schema=None) as batch_op:
        batch_op.drop_column('overhead_pct')
    with op.batch_alter_table('production_work_centres', schema=None) as batch_op:
        batch_op.drop_column('overhead_pct')
