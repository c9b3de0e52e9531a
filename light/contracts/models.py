from light.auth.models import OrganizationOwned
from light.contracts.periods import FREQUENCY_LABELS
from light.extensions import db
from light.invoices.models import PAYMENT_METHODS
from light.utc import utcnow

STATUSES = ("active", "paused", "ended", "cancelled")


class Contract(OrganizationOwned, db.Model):
    __tablename__ = "contracts"
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False, index=True)
    currency = db.Column(db.String(3), nullable=False)
    frequency = db.Column(db.String(12), nullable=False)  # monthly | quarterly | yearly
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date)
    payment_method = db.Column(db.String(20), nullable=False, default="stripe")
    days_until_due = db.Column(db.Integer, nullable=False, default=0)
    status = db.Column(db.String(12), nullable=False, default="active", index=True)
    subtotal = db.Column(db.BigInteger, nullable=False, default=0)
    tax_total = db.Column(db.BigInteger, nullable=False, default=0)
    total = db.Column(db.BigInteger, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    cancelled_on = db.Column(db.Date)  # when someone cancelled it (now, or at the end of a period)
    paused_on = db.Column(db.Date)  # set while paused
    # Periods starting before this day are never billed: they fell in a pause.
    skip_before = db.Column(db.Date)

    customer = db.relationship("Customer")
    lines = db.relationship("ContractLine", order_by="ContractLine.position", cascade="all, delete-orphan",
                            back_populates="contract")

    @property
    def frequency_label(self) -> str:
        return FREQUENCY_LABELS.get(self.frequency, self.frequency)

    @property
    def payment_method_label(self) -> str:
        return PAYMENT_METHODS.get(self.payment_method, self.payment_method)

    @property
    def title(self) -> str:
        first = self.lines[0].description if self.lines else "Contract"
        return f"{first} ({self.frequency_label.lower()})"


class ContractLine(db.Model):
    __tablename__ = "contract_lines"
    id = db.Column(db.Integer, primary_key=True)
    contract_id = db.Column(db.Integer, db.ForeignKey("contracts.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    description = db.Column(db.String(300), nullable=False)
    quantity_milli = db.Column(db.BigInteger, nullable=False)
    unit_price = db.Column(db.BigInteger, nullable=False)
    tax_rate = db.Column(db.Integer, nullable=False, default=0)
    contract = db.relationship(Contract, back_populates="lines")
