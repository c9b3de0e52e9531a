"""Bank Reconciliation's tables: the links that settle a bank line, the engine's last word on each
line (a suggestion, or why it is unmatched) and the append-only log of everything done.

The line's state itself is `BankTransaction.match_state`; every change to it is a compare-and-set
(light/reconciliation/services.py), which is what makes two people matching one line leave one match.
"""
from sqlalchemy import event

from light.auth.models import OrganizationOwned
from light.extensions import db
from light.utc import utcnow

STATES = ("unmatched", "suggested", "matched", "excluded")
STATE_LABELS = {"unmatched": "Unmatched", "suggested": "Suggested", "matched": "Matched", "excluded": "Excluded"}
LIGHT = "Light"  # who the log names when no person did it


class ReconciliationLink(OrganizationOwned, db.Model):
    """Part of a bank line given to an invoice (with its amount) or booked to a category.

    `recorded_payment`: this link recorded a payment on the invoice (ref `payment_ref`), so
    Unmatch reverses exactly that payment; a link to a payment Light had already recorded (T1's
    payment intent) records nothing and reverses nothing."""

    __tablename__ = "reconciliation_links"
    id = db.Column(db.Integer, primary_key=True)
    bank_transaction_id = db.Column(db.Integer, db.ForeignKey("bank_transactions.id"), nullable=False, index=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), index=True)
    category = db.Column(db.String(20), nullable=False)
    effect = db.Column(db.String(20), nullable=False)  # payment | recorded | reversal | booking
    amount = db.Column(db.BigInteger, nullable=False)  # in the line's currency
    invoice_amount = db.Column(db.BigInteger)  # in the invoice's, when it differs (T1 with Stripe's rate)
    recorded_payment = db.Column(db.Boolean, nullable=False, default=False)
    payment_ref = db.Column(db.String(255))
    tier = db.Column(db.String(4))  # None: matched by a person
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    invoice = db.relationship("Invoice", lazy="joined")

    @property
    def on_invoice(self) -> int:
        return self.amount if self.invoice_amount is None else self.invoice_amount


class LineDecision(OrganizationOwned, db.Model):
    """What was last made of a bank line, and why: the suggestion (its settlements, as plain
    data) or the reasons it is unmatched. `by_person`: a person decided (accepted, declined,
    matched, unmatched, excluded), so Re-match leaves the line alone."""

    __tablename__ = "reconciliation_decisions"
    id = db.Column(db.Integer, primary_key=True)
    bank_transaction_id = db.Column(db.Integer, db.ForeignKey("bank_transactions.id"), nullable=False, unique=True)
    tier = db.Column(db.String(4))
    reasons = db.Column(db.JSON, nullable=False, default=list)
    suggestion = db.Column(db.JSON)  # [{"amount", "invoice_id", "category", "effect", "invoice_amount"}]
    by_person = db.Column(db.Boolean, nullable=False, default=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ReconciliationLogEntry(OrganizationOwned, db.Model):
    """One thing done to a bank line: linked, suggested, accepted, declined, matched, unmatched,
    excluded, included. Append-only: never updated, never deleted.

    The line is a Stripe one (`bank_transaction_id`) or a deposit on an imported bank statement
    (`statement_line_id`, with the Stripe payout it was linked to or suggested for)."""

    __tablename__ = "reconciliation_log"
    __table_args__ = (db.CheckConstraint("(bank_transaction_id IS NULL) <> (statement_line_id IS NULL)",
                                         name="one_line"),)
    id = db.Column(db.Integer, primary_key=True)
    bank_transaction_id = db.Column(db.Integer, db.ForeignKey("bank_transactions.id"), index=True)
    statement_line_id = db.Column(db.Integer, db.ForeignKey("statement_lines.id"), index=True)
    payout_id = db.Column(db.Integer, db.ForeignKey("bank_payouts.id"))
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"))
    action = db.Column(db.String(20), nullable=False)
    amount = db.Column(db.BigInteger)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))  # None: Light did it
    who = db.Column(db.String(200), nullable=False)
    why = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class AppendOnly(Exception):
    """The reconciliation log is never rewritten."""


@event.listens_for(ReconciliationLogEntry, "before_update")
@event.listens_for(ReconciliationLogEntry, "before_delete")
def _refuse_rewriting(mapper, connection, target):
    raise AppendOnly("the reconciliation log is append-only")
