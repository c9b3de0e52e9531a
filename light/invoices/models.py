from light.auth.models import OrganizationOwned
from light.extensions import db
from light.utc import utcnow

STATUS_LABELS = {
    "draft": "Draft", "issued": "Issued", "paid": "Paid", "partially_paid": "Partially paid",
    "overdue": "Overdue", "action_required": "Action required", "payment_failed": "Payment failed",
    "partially_refunded": "Partly refunded", "refunded": "Refunded", "disputed": "Disputed",
    "dispute_lost": "Dispute lost", "void": "Void",
}
# Issued and not yet settled: the customer still owes the money.
OPEN_STATUSES = ("issued", "partially_paid", "overdue", "action_required", "payment_failed")
# Paid in full, whether or not money went back since (credit notes).
SETTLED_STATUSES = ("paid", "partially_refunded", "refunded")
PAYMENT_METHODS = {"stripe": "Stripe", "bank_transfer": "Bank transfer"}


class InvoiceCounter(db.Model):
    """The last number issued per organization. Issuing updates this row in the same transaction
    that numbers the invoice, so numbers have no gaps and no duplicates."""

    __tablename__ = "invoice_counters"
    organization_id = db.Column(db.Integer, db.ForeignKey("organizations.id"), primary_key=True)
    last_number = db.Column(db.Integer, nullable=False, default=0)
    # Credit notes have their own series (CN-0001…), counted the same way.
    last_credit_note_number = db.Column(db.Integer, nullable=False, default=0, server_default="0")


class Invoice(OrganizationOwned, db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        db.UniqueConstraint("organization_id", "number", name="uq_invoices_organization_number"),
        # A contract's period is invoiced once, however often the clock runs.
        db.UniqueConstraint("contract_id", "period_start", name="uq_invoices_contract_period"),
        # The list's sorts (light/invoices/search.py), each within one organization and ending in
        # the id that breaks ties, so a page of 100 is read off an index, not sorted from 100,000.
        db.Index("ix_invoices_org_created", "organization_id", "created_at", "id"),
        db.Index("ix_invoices_org_status_created", "organization_id", "status", "created_at", "id"),
        db.Index("ix_invoices_org_issue_date", "organization_id", "issue_date", "id"),
        db.Index("ix_invoices_org_due_date", "organization_id", "due_date", "id"),
        db.Index("ix_invoices_org_total", "organization_id", "total", "id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False, index=True)
    contract_id = db.Column(db.Integer, db.ForeignKey("contracts.id"), index=True)
    period_start = db.Column(db.Date)
    period_end = db.Column(db.Date)
    number = db.Column(db.String(20))  # assigned when issued; drafts have none
    status = db.Column(db.String(20), nullable=False, default="draft", index=True)
    currency = db.Column(db.String(3), nullable=False)
    issue_date = db.Column(db.Date, nullable=False)
    due_date = db.Column(db.Date, nullable=False)
    payment_method = db.Column(db.String(20), nullable=False, default="stripe")
    # Printed for the customer on the invoice, its PDF and the pay page.
    po_number = db.Column(db.String(60), nullable=False, default="", server_default="")
    terms = db.Column(db.String(300), nullable=False, default="", server_default="")
    notes = db.Column(db.Text, nullable=False, default="", server_default="")
    subtotal = db.Column(db.BigInteger, nullable=False, default=0)
    tax_total = db.Column(db.BigInteger, nullable=False, default=0)
    total = db.Column(db.BigInteger, nullable=False, default=0)
    amount_paid = db.Column(db.BigInteger, nullable=False, default=0)
    amount_refunded = db.Column(db.BigInteger, nullable=False, default=0)  # Stripe's figure for the charge
    # What the invoice's credit notes gave back (Stripe refunds and money returned outside Stripe).
    amount_credited = db.Column(db.BigInteger, nullable=False, default=0, server_default="0")
    pay_token = db.Column(db.String(64), nullable=False, unique=True)
    stripe_payment_intent_id = db.Column(db.String(255), index=True)
    # How many Checkout Sessions / off-session charges were started: each gets its own
    # idempotency key (invoice-<id>-checkout-<n>, invoice-<id>-charge-<n>).
    checkout_count = db.Column(db.Integer, nullable=False, default=0)
    charge_attempts = db.Column(db.Integer, nullable=False, default=0)
    issued_at = db.Column(db.DateTime)
    paid_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    customer = db.relationship("Customer", backref=db.backref("invoices", lazy="dynamic"))
    lines = db.relationship("InvoiceLine", order_by="InvoiceLine.position", cascade="all, delete-orphan",
                            back_populates="invoice")
    events = db.relationship("InvoiceEvent", order_by="(InvoiceEvent.created_at, InvoiceEvent.id)",
                             cascade="all, delete-orphan", back_populates="invoice")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def payment_method_label(self) -> str:
        return PAYMENT_METHODS.get(self.payment_method, self.payment_method)

    @property
    def amount_due(self) -> int:
        return max(0, self.total - self.amount_paid)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED_STATUSES

    @property
    def display_number(self) -> str:
        return self.number or "Draft"

    @property
    def amount_returned(self) -> int:
        """Given back to the customer: the credit notes, or Stripe's figure for a refund made
        before Light issued credit notes."""
        return max(self.amount_refunded, self.amount_credited)


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    id = db.Column(db.Integer, primary_key=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    description = db.Column(db.String(300), nullable=False)
    quantity_milli = db.Column(db.BigInteger, nullable=False)  # thousandths: 1.5 -> 1500
    unit_price = db.Column(db.BigInteger, nullable=False)  # minor units of the invoice currency
    tax_rate = db.Column(db.Integer, nullable=False, default=0)  # basis points: 20% -> 2000
    net = db.Column(db.BigInteger, nullable=False)
    tax = db.Column(db.BigInteger, nullable=False)
    invoice = db.relationship(Invoice, back_populates="lines")

    @property
    def gross(self) -> int:
        return self.net + self.tax


class InvoiceEvent(OrganizationOwned, db.Model):
    """The invoice's timeline. `ref` names what the event is about (a Stripe payment or refund
    id, a reminder); the unique constraint makes a duplicate webhook a no-op."""

    __tablename__ = "invoice_events"
    __table_args__ = (db.UniqueConstraint("invoice_id", "kind", "ref", name="uq_invoice_events_once"),)
    id = db.Column(db.Integer, primary_key=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    message = db.Column(db.String(500), nullable=False)
    amount = db.Column(db.BigInteger)
    ref = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    invoice = db.relationship(Invoice, back_populates="events")


class CreditNote(OrganizationOwned, db.Model):
    """Money given back against an invoice's payment, as a document of its own (light/invoices/
    credit_notes.py). A Stripe refund makes exactly one: its id is unique within the organization."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        db.UniqueConstraint("organization_id", "number", name="uq_credit_notes_organization_number"),
        db.UniqueConstraint("organization_id", "stripe_refund_id", name="uq_credit_notes_stripe_refund"),
    )
    id = db.Column(db.Integer, primary_key=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), nullable=False, index=True)
    number = db.Column(db.String(24), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    amount = db.Column(db.BigInteger, nullable=False)  # minor units, positive
    reason = db.Column(db.String(300), nullable=False, default="", server_default="")
    stripe_refund_id = db.Column(db.String(255))  # None for a credit note issued by hand
    issued_by = db.Column(db.String(120))  # who typed it in; None when a Stripe refund made it
    issue_date = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    invoice = db.relationship(Invoice, backref=db.backref("credit_notes", order_by="CreditNote.id"))
