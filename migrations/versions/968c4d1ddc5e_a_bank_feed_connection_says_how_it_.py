"""A bank feed connection says how it reaches Stripe: Connect or its own key

Revision ID: 968c4d1ddc5e
Revises: 364a358a56b5
Create Date: 2026-12-02 14:44:22.061853

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '968c4d1ddc5e'
down_revision = '364a358a56b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stripe_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=20), server_default='connect', nullable=False))



def downgrade():
    with op.batch_alter_table('stripe_connections', schema=None) as batch_op:
        batch_op.drop_column('method')

