"""item groups (a tree), other units of an item, background import jobs

Revision ID: 7c1d2e3f4a5b
Revises: 8d2f4c6a1b3e
Create Date: 2026-12-07 14:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import ordercraft.core.types


revision = '7c1d2e3f4a5b'
down_revision = '8d2f4c6a1b3e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['item_groups.id'], name=op.f('fk_item_groups_parent_id_item_groups'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_item_groups_name')),
    info={'owner': 'core'}
    )
    with op.batch_alter_table('item_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_groups_parent_id'), ['parent_id'], unique=False)

    op.create_table('item_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('factor', ordercraft.core.types.ExactDecimal(), nullable=False),
    sa.CheckConstraint('factor > 0', name=op.f('ck_item_units_factor')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_units_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_units')),
    sa.UniqueConstraint('item_id', 'unit', name=op.f('uq_item_units_item_id')),
    info={'owner': 'core'}
    )
    with op.batch_alter_table('item_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_units_item_id'), ['item_id'], unique=False)

    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_jobs_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs')),
    info={'owner': 'core'}
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_state'), ['state'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_items_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_items_group_id_item_groups'), 'item_groups', ['group_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_items_group_id_item_groups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_items_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_state'))
    op.drop_table('import_jobs')
    with op.batch_alter_table('item_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_units_item_id'))
    op.drop_table('item_units')
    with op.batch_alter_table('item_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_groups_parent_id'))
    op.drop_table('item_groups')
