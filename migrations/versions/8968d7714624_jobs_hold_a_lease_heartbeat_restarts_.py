"""Jobs hold a lease: what they run, a heartbeat, restarts, and "run once more"

Revision ID: 8968d7714624
Revises: 968c4d1ddc5e
Create Date: 2026-12-02 15:44:40.860568

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8968d7714624'
down_revision = '968c4d1ddc5e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('args', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('submissions', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('restarts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rerun', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_jobs_status_heartbeat', ['status', 'heartbeat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status_heartbeat')
        batch_op.drop_column('rerun')
        batch_op.drop_column('restarts')
        batch_op.drop_column('submissions')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('args')
        batch_op.drop_column('task')
