"""Stripe customers belong to a Stripe account, not an integration

Revision ID: c35a3e799c1d
Revises: fb07cecc02ca
Create Date: 2026-12-02 14:27:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c35a3e799c1d'
down_revision = 'fb07cecc02ca'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_account', sa.String(length=300), nullable=True))
    # Each Stripe customer was made with some integration: it lives in that integration's account.
    op.execute("UPDATE customers SET stripe_account = (SELECT integrations.account_id || '/' || "
               "CASE WHEN integrations.livemode THEN 'live' ELSE 'test' END FROM integrations "
               "WHERE integrations.id = customers.stripe_integration_id) "
               "WHERE stripe_integration_id IS NOT NULL")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('stripe_integration_id')


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_integration_id', sa.INTEGER(), nullable=True))
    op.execute("UPDATE customers SET stripe_integration_id = (SELECT MAX(integrations.id) FROM integrations "
               "WHERE integrations.organization_id = customers.organization_id AND integrations.account_id || '/' || "
               "CASE WHEN integrations.livemode THEN 'live' ELSE 'test' END = customers.stripe_account) "
               "WHERE stripe_account IS NOT NULL")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('stripe_account')
