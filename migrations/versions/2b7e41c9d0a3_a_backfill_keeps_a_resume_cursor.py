"""A backfill keeps a resume cursor on its connection

Revision ID: 2b7e41c9d0a3
Revises: 8968d7714624
Create Date: 2026-12-02 15:46:02.112233

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b7e41c9d0a3'
down_revision = '8968d7714624'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stripe_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backfill_newest_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('backfill_cursor', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('stripe_connections', schema=None) as batch_op:
        batch_op.drop_column('backfill_cursor')
        batch_op.drop_column('backfill_newest_id')
