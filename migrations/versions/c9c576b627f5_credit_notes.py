"""credit notes: their own number series and prefix, one per Stripe refund; invoices.amount_credited

Revision ID: c9c576b627f5
Revises: 0115c02f5979
Create Date: 2026-12-03 13:26:01.343001

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9c576b627f5'
down_revision = '0115c02f5979'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=300), server_default='', nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('issued_by', sa.String(length=120), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_credit_notes_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('organization_id', 'number', name='uq_credit_notes_organization_number'),
    sa.UniqueConstraint('organization_id', 'stripe_refund_id', name='uq_credit_notes_stripe_refund')
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_notes_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_notes_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('invoice_counters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_credit_note_number', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_credited', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_note_prefix', sa.String(length=10), server_default='CN-', nullable=False))



def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('credit_note_prefix')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('amount_credited')

    with op.batch_alter_table('invoice_counters', schema=None) as batch_op:
        batch_op.drop_column('last_credit_note_number')

    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_notes_organization_id'))
        batch_op.drop_index(batch_op.f('ix_credit_notes_invoice_id'))

    op.drop_table('credit_notes')
