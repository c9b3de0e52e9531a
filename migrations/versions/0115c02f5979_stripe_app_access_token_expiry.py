"""Connect Bank > Stripe Account through a Stripe App: when its access token expires

Revision ID: 0115c02f5979
Revises: 901c543c6db9
Create Date: 2026-12-03 13:28:43.183557

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0115c02f5979'
down_revision = '901c543c6db9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stripe_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_token_expires_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('stripe_connections', schema=None) as batch_op:
        batch_op.drop_column('access_token_expires_at')
