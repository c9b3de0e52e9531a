"""One draft per workflow, enforced by the database

Revision ID: fb07cecc02ca
Revises: 077372ebec44
Create Date: 2026-12-02 14:23:21.194549

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fb07cecc02ca'
down_revision = '077372ebec44'
branch_labels = None
depends_on = None


def upgrade():
    # Concurrent saves could make several drafts of one workflow: keep the newest of each.
    op.execute("DELETE FROM workflow_versions WHERE status = 'draft' AND id NOT IN "
               "(SELECT keep FROM (SELECT MAX(id) AS keep FROM workflow_versions WHERE status = 'draft' "
               "GROUP BY organization_id, workflow) AS newest)")
    with op.batch_alter_table('workflow_versions', schema=None) as batch_op:
        batch_op.create_index('uq_workflow_versions_one_draft', ['organization_id', 'workflow'], unique=True, sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))


def downgrade():
    with op.batch_alter_table('workflow_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_workflow_versions_one_draft', sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))
