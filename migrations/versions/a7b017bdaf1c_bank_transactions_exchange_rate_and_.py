"""bank payouts trace id (bank_transactions.exchange_rate came with d5353f96a0a6)

Revision ID: a7b017bdaf1c
Revises: d5353f96a0a6
Create Date: 2026-12-03 09:16:22.649354

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b017bdaf1c'
down_revision = 'd5353f96a0a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bank_payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trace_id', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('bank_payouts', schema=None) as batch_op:
        batch_op.drop_column('trace_id')
