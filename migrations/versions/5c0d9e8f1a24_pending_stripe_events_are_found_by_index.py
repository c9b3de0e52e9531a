"""Stripe events an endpoint has not processed yet are found by an index

Revision ID: 5c0d9e8f1a24
Revises: 2b7e41c9d0a3
Create Date: 2026-12-02 15:47:13.445566

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c0d9e8f1a24'
down_revision = '2b7e41c9d0a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.create_index('ix_stripe_events_pending', ['endpoint', 'processed_at', 'created'], unique=False)


def downgrade():
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stripe_events_pending')
