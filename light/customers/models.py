from light.auth.models import OrganizationOwned
from light.extensions import db
from light.utc import utcnow


class Customer(OrganizationOwned, db.Model):
    """Someone the organization invoices. Saved payment details are kept as Stripe's ids plus the
    card's brand and last 4 digits: enough to show, never enough to charge outside Stripe."""

    __tablename__ = "customers"
    # Sorting Sales Invoices by customer walks customers by name.
    __table_args__ = (db.Index("ix_customers_org_name", "organization_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    email = db.Column(db.String(254), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    address = db.Column(db.Text, nullable=False, default="")
    # The Stripe customer, in the Stripe account (and mode) it was created in: "acct_…/live" or
    # "acct_…/test". Another account's key means another Stripe, where this id and any saved card
    # don't exist; a key of the same account (replaced, or removed and added again) keeps both.
    stripe_customer_id = db.Column(db.String(255))
    stripe_account = db.Column(db.String(300))
    payment_method_id = db.Column(db.String(255))
    card_brand = db.Column(db.String(30))
    card_last4 = db.Column(db.String(4))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    @property
    def has_saved_card(self) -> bool:
        return bool(self.payment_method_id)

    @property
    def card_label(self) -> str:
        if not self.has_saved_card:
            return ""
        return f"{(self.card_brand or 'card').title()} ending {self.card_last4 or '····'}"
