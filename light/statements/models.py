"""A bank account beside Stripe, the statements imported into it, their lines, and which Stripe
payout each deposit carried."""
from light.auth.models import OrganizationOwned
from light.extensions import db
from light.utc import utcnow


class StatementAccount(OrganizationOwned, db.Model):
    """A real bank account ("Business checking") whose transactions arrive as statement files.
    Its CSV column mapping is saved, so the next export from the same bank imports in one step."""

    __tablename__ = "statement_accounts"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    csv_mapping = db.Column(db.JSON)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class StatementImport(OrganizationOwned, db.Model):
    """One statement file imported: what it added and what it already had."""

    __tablename__ = "statement_imports"
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("statement_accounts.id"), nullable=False, index=True)
    file_name = db.Column(db.String(255), nullable=False)
    format = db.Column(db.String(10), nullable=False)  # csv | ofx | camt053
    line_count = db.Column(db.Integer, nullable=False, default=0)
    added_count = db.Column(db.Integer, nullable=False, default=0)
    duplicate_count = db.Column(db.Integer, nullable=False, default=0)
    skipped_count = db.Column(db.Integer, nullable=False, default=0)  # pending entries (CAMT)
    first_date = db.Column(db.Date)
    last_date = db.Column(db.Date)
    imported_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    imported_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    imported_by = db.relationship("User")
    account = db.relationship(StatementAccount)


class StatementLine(OrganizationOwned, db.Model):
    """One line of a bank statement. `line_key` is the bank's id (OFX FITID, CAMT AcctSvcrRef, a CSV
    id column) or a stable hash of the line, unique per account: a re-imported or overlapping
    statement adds nothing twice, even when two imports race."""

    __tablename__ = "statement_lines"
    __table_args__ = (db.UniqueConstraint("account_id", "line_key", name="uq_statement_lines_account_key"),
                      db.Index("ix_statement_lines_account_date", "account_id", "date", "id"))
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("statement_accounts.id"), nullable=False)
    import_id = db.Column(db.Integer, db.ForeignKey("statement_imports.id"), nullable=False, index=True)
    line_key = db.Column(db.String(50), nullable=False)
    date = db.Column(db.Date, nullable=False)
    amount = db.Column(db.BigInteger, nullable=False)  # minor units; + in, - out
    currency = db.Column(db.String(3), nullable=False)
    description = db.Column(db.String(500), nullable=False, default="")
    reference = db.Column(db.String(255), nullable=False, default="")
    bank_id = db.Column(db.String(255))


class StatementUpload(OrganizationOwned, db.Model):
    """A CSV waiting for its column mapping between the upload and the Import click; deleted once
    imported, and after a day if never imported."""

    __tablename__ = "statement_uploads"
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("statement_accounts.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    file_name = db.Column(db.String(255), nullable=False)
    content = db.deferred(db.Column(db.LargeBinary, nullable=False))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    account = db.relationship(StatementAccount)


class PayoutDeposit(OrganizationOwned, db.Model):
    """A deposit on a bank statement that is a Stripe payout reaching the bank. Each side appears
    once, so two people (or Light and a person) matching at once leave one link."""

    __tablename__ = "statement_payout_deposits"
    id = db.Column(db.Integer, primary_key=True)
    statement_line_id = db.Column(db.Integer, db.ForeignKey("statement_lines.id"), nullable=False, unique=True)
    payout_id = db.Column(db.Integer, db.ForeignKey("bank_payouts.id"), nullable=False, unique=True)
    linked_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))  # None: Light linked it by itself
    linked_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    reason = db.Column(db.String(500), nullable=False, default="")
    linked_by = db.relationship("User")
    line = db.relationship(StatementLine)


class DepositSuggestion(OrganizationOwned, db.Model):
    """A payout a deposit may carry, for a person to Accept (removed once either side is linked).
    A link a person unmatched stays here as a suggestion (`unmatched_by_id`), and Light never
    links that pair by itself again: what a person undid stays undone. A suggestion a person
    declined (`declined_by_id`) stays too, out of sight, so Light never suggests that pair again."""

    __tablename__ = "statement_deposit_suggestions"
    __table_args__ = (db.UniqueConstraint("statement_line_id", "payout_id", name="uq_statement_deposit_suggestions"),)
    id = db.Column(db.Integer, primary_key=True)
    statement_line_id = db.Column(db.Integer, db.ForeignKey("statement_lines.id"), nullable=False, index=True)
    payout_id = db.Column(db.Integer, db.ForeignKey("bank_payouts.id"), nullable=False, index=True)
    reason = db.Column(db.String(500), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    unmatched_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    declined_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
