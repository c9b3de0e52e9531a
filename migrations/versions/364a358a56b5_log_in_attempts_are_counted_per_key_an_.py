"""Log-in attempts are counted per key: an e-mail or a client

Revision ID: 364a358a56b5
Revises: c35a3e799c1d
Create Date: 2026-12-02 14:31:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '364a358a56b5'
down_revision = 'c35a3e799c1d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=300), nullable=True))
    op.execute("UPDATE login_failures SET key = 'email:' || email")
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_constraint('uq_login_failures_email', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_login_failures_key'), ['key'])
        batch_op.drop_column('email')


def downgrade():
    # Only e-mail keys have an e-mail to go back to; the client counts are dropped.
    op.execute("DELETE FROM login_failures WHERE key NOT LIKE 'email:%'")
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.VARCHAR(length=254), nullable=True))
    op.execute("UPDATE login_failures SET email = substr(key, 7)")
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.VARCHAR(length=254), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_login_failures_key'), type_='unique')
        batch_op.create_unique_constraint('uq_login_failures_email', ['email'])
        batch_op.drop_column('key')
