from light.auth.models import OrganizationOwned, User
from light.extensions import db
from light.utc import utcnow

INVOICE_TO_CASH = "invoice_to_cash"


class WorkflowVersion(OrganizationOwned, db.Model):
    """One version of a workflow. At most one draft (version None) per workflow; publishing turns
    the draft into the next numbered version. Published versions are never changed, and only
    they run."""

    __tablename__ = "workflow_versions"
    __table_args__ = (
        db.UniqueConstraint("organization_id", "workflow", "version", name="uq_workflow_versions_number"),
        # One draft per workflow, enforced by the database: ten Publish clicks at once once made ten.
        db.Index("uq_workflow_versions_one_draft", "organization_id", "workflow", unique=True,
                 sqlite_where=db.text("status = 'draft'"), postgresql_where=db.text("status = 'draft'")),
    )
    id = db.Column(db.Integer, primary_key=True)
    workflow = db.Column(db.String(40), nullable=False, default=INVOICE_TO_CASH)
    status = db.Column(db.String(16), nullable=False, default="draft")  # "draft" | "published"
    version = db.Column(db.Integer)  # 1, 2, … once published
    steps = db.Column(db.JSON, nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    published_at = db.Column(db.DateTime)
    published_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_by = db.relationship(User, foreign_keys=[created_by_id])
    published_by = db.relationship(User, foreign_keys=[published_by_id])
