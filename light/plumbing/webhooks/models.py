from light.extensions import db
from light.utc import utcnow


class StripeEvent(db.Model):
    """Each Stripe event Light received, once per endpoint: the primary key is Stripe's event id
    and the endpoint, so a duplicate delivery finds its row and changes nothing. Stripe sends the
    same event (same id) to every endpoint that listens for it: a charge.refunded of an account
    that is both connected to the bank feed and a Stripe integration reaches both, and each
    endpoint's handlers must see it."""

    __tablename__ = "stripe_events"
    # The drain job (services.process_pending) looks up what an endpoint has not processed yet.
    __table_args__ = (db.Index("ix_stripe_events_pending", "endpoint", "processed_at", "created"),)
    id = db.Column(db.String(255), primary_key=True)
    # Which endpoint it came to: "connect" (the bank feed) or "integration:<id>" (payments).
    endpoint = db.Column(db.String(40), primary_key=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organizations.id"), index=True)
    account = db.Column(db.String(255), index=True)  # acct_… for Connect events
    type = db.Column(db.String(100), nullable=False)
    livemode = db.Column(db.Boolean, nullable=False, default=False)
    created = db.Column(db.Integer, nullable=False)  # Stripe's unix time: the order events happened
    payload = db.Column(db.JSON, nullable=False)
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    processed_at = db.Column(db.DateTime)
    error = db.Column(db.Text)
