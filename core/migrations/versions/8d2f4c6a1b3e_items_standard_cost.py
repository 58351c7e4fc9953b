"""items: standard cost

Revision ID: 8d2f4c6a1b3e
Revises: 6c9ac1e8b7b0
Create Date: 2026-12-07 14:30:00.000000

An item's standard cost becomes a column of ``items``. Sites where the production plugin
kept it as the custom field ``standard_cost`` of items get its values copied into the
column; the field and its values are then removed (production no longer declares it).
"""

from decimal import Decimal, InvalidOperation

from alembic import op
import sqlalchemy as sa
import ordercraft.core.types


revision = '8d2f4c6a1b3e'
down_revision = '6c9ac1e8b7b0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standard_cost', ordercraft.core.types.ExactDecimal(),
                                      nullable=True))
    bind = op.get_bind()
    field_id = bind.execute(sa.text(
        "SELECT id FROM custom_fields WHERE entity = 'item' AND name = 'standard_cost' "
        "AND owner = 'production'")).scalar()
    if field_id is None:
        return
    rows = bind.execute(sa.text("SELECT object_id, value FROM custom_field_values "
                                "WHERE field_id = :field"), {"field": field_id}).all()
    for object_id, value in rows:
        try:
            cost = Decimal(str(value).strip())
        except InvalidOperation:
            continue
        if not cost.is_finite() or cost < 0:
            continue
        # bound through the column's type: a scaled integer on SQLite, NUMERIC elsewhere
        bind.execute(sa.text("UPDATE items SET standard_cost = :cost WHERE id = :id")
                     .bindparams(sa.bindparam("cost", type_=ordercraft.core.types.ExactDecimal())),
                     {"cost": cost, "id": object_id})
    bind.execute(sa.text("DELETE FROM custom_field_values WHERE field_id = :field"),
                 {"field": field_id})
    bind.execute(sa.text("DELETE FROM custom_fields WHERE id = :field"), {"field": field_id})


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('standard_cost')
