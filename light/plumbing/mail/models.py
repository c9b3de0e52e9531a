from light.extensions import db
from light.utc import utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    id = db.Column(db.Integer, primary_key=True)
    # Nullable: a few messages (e.g. to a would-be teammate) are about no single organization's data.
    organization_id = db.Column(db.Integer, db.ForeignKey("organizations.id"), index=True)
    to = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.String(300), nullable=False)
    body = db.Column(db.Text, nullable=False)
    kind = db.Column(db.String(40), nullable=False, default="general")
    status = db.Column(db.String(16), nullable=False)  # kept | sent | failed
    error = db.Column(db.String(500))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
