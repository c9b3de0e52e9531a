from light.auth.models import OrganizationOwned
from light.extensions import db
from light.utc import utcnow


class NotificationPreference(OrganizationOwned, db.Model):
    """An owner's choice for one kind of notification. No row means on: a new owner, or a kind
    added later, is told until they say otherwise."""

    __tablename__ = "notification_preferences"
    __table_args__ = (db.UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    enabled = db.Column(db.Boolean, nullable=False, default=True)


class OwnerNotification(OrganizationOwned, db.Model):
    """One owner told about one event. Claimed (inserted) before the e-mail goes, so a duplicated
    webhook or a job run twice finds the row and sends nothing more."""

    __tablename__ = "owner_notifications"
    __table_args__ = (db.UniqueConstraint("user_id", "event_key", name="uq_owner_notifications_user_event"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    event_key = db.Column(db.String(300), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
