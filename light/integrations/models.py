import hashlib

from light.auth.models import OrganizationOwned, User
from light.extensions import db
from light.plumbing.crypto import EncryptedText
from light.utc import utcnow

KINDS = ("stripe", "salesforce")
STATUSES = ("active", "removed")
WEBHOOK_MODES = ("registered", "manual")


class Integration(OrganizationOwned, db.Model):
    """A connection to a service the organization owns an account with (its own Stripe key).
    At most one active integration of each kind per organization; removed ones are kept, with
    their secrets wiped, so what happened stays explainable."""

    __tablename__ = "integrations"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False, default="stripe")
    status = db.Column(db.String(16), nullable=False, default="active")
    secret_key = db.Column(EncryptedText)  # None once removed
    account_id = db.Column(db.String(255))
    account_name = db.Column(db.String(255))
    livemode = db.Column(db.Boolean, nullable=False, default=False)
    webhook_endpoint_id = db.Column(db.String(255))
    webhook_secret = db.Column(EncryptedText)
    # "registered": Light created its endpoint at Stripe; "manual": the owner did and pasted the secret.
    webhook_mode = db.Column(db.String(16), nullable=False, default="manual")
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    created_by = db.relationship(User)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def stripe_account(self) -> str:
        """Which Stripe this key reaches: test and live data of one account are apart. A
        restricted key can't read its account's id, so the key stands for it; a Stripe customer
        found under another label is checked at Stripe before it is trusted (see
        invoices.collection.ensure_stripe_customer)."""
        who = self.account_id or "key:" + hashlib.sha256((self.secret_key or "").encode()).hexdigest()[:20]
        return f"{who}/{'live' if self.livemode else 'test'}"

    @property
    def mode_label(self) -> str:
        return "Live" if self.livemode else "Test"
