"""Statement actions in the reconciliation log (a log entry names a Stripe line or a statement
line, and the payout), and deposit suggestions a person declined

Revision ID: 06f9433944e9
Revises: c9c576b627f5
Create Date: 2026-12-03 13:25:23.389939

"""
import sqlalchemy as sa
from alembic import op

revision = '06f9433944e9'
down_revision = 'c9c576b627f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reconciliation_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payout_id', sa.Integer(), nullable=True))
        batch_op.alter_column('bank_transaction_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_reconciliation_log_statement_line_id'), ['statement_line_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reconciliation_log_statement_line_id_statement_lines'),
                                    'statement_lines', ['statement_line_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reconciliation_log_payout_id_bank_payouts'), 'bank_payouts',
                                    ['payout_id'], ['id'])
        batch_op.create_check_constraint('one_line', '(bank_transaction_id IS NULL) <> (statement_line_id IS NULL)')

    with op.batch_alter_table('statement_deposit_suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declined_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_statement_deposit_suggestions_declined_by_id_users'), 'users',
                                    ['declined_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('statement_deposit_suggestions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statement_deposit_suggestions_declined_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('declined_by_id')

    op.execute("DELETE FROM reconciliation_log WHERE bank_transaction_id IS NULL")
    with op.batch_alter_table('reconciliation_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reconciliation_log_one_line'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_reconciliation_log_payout_id_bank_payouts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reconciliation_log_statement_line_id_statement_lines'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reconciliation_log_statement_line_id'))
        batch_op.alter_column('bank_transaction_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('payout_id')
        batch_op.drop_column('statement_line_id')
