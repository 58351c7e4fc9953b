"""marketing: bounced addresses, a message's bounce, a mailing's contacts skipped for one

Revision ID: 97510fccff88
Revises: 622da609ac03
Create Date: 2026-12-07 17:35:55.631318
"""

from alembic import op
import sqlalchemy as sa


revision = '97510fccff88'
down_revision = '622da609ac03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('marketing_bounces',
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_marketing_bounces')),
    info={'owner': 'marketing'}
    )
    with op.batch_alter_table('marketing_mailings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped_bounced', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('marketing_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('bounce_reason', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_marketing_messages_outbox_id'), ['outbox_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('marketing_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketing_messages_outbox_id'))
        batch_op.drop_column('bounce_reason')
        batch_op.drop_column('bounced_at')

    with op.batch_alter_table('marketing_mailings', schema=None) as batch_op:
        batch_op.drop_column('skipped_bounced')

    op.drop_table('marketing_bounces')
