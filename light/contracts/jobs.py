"""The clock's contract billing: each period's invoice exactly once, even when the clock runs twice,
late, or after downtime (the unique (contract_id, period_start) constraint is the last word)."""
import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from light.contracts import periods
from light.contracts.models import Contract
from light.errors import Refused
from light.extensions import db
from light.invoices import charging, services
from light.invoices.collection import CannotCollect
from light.invoices.models import Invoice, InvoiceLine
from light.invoices.totals import Line, compute
from light.plumbing.jobs.queue import enqueue
from light.plumbing.stripe_gateway import GatewayError
from light.utc import utcnow

log = logging.getLogger(__name__)

def start_billing(contract: Contract):
    """Bill a new contract's started periods now rather than at the clock's next run."""
    return enqueue(bill_one, contract.id, kind="contract_billing",
                   description="Invoicing the contract's first period", organization_id=contract.organization_id,
                   active_key=f"contract-billing:{contract.id}")


def bill_one(contract_id: int) -> str:
    return f"{bill_contract(contract_id, utcnow().date())} invoices issued"


def bill_due_contracts() -> str:
    today = utcnow().date()
    issued = 0
    for contract_id, in db.session.query(Contract.id).filter(Contract.status == "active",
                                                             Contract.start_date <= today).order_by(Contract.id):
        issued += bill_contract(contract_id, today)
    return f"{issued} contract invoices issued"


def bill_contract(contract_id: int, today) -> int:
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.status != "active":
        return 0
    billed = {start for start, in db.session.query(Invoice.period_start).filter(Invoice.contract_id == contract.id)}
    issued = 0
    due = periods.due_periods(contract.start_date, contract.frequency, today, contract.end_date)
    for period in periods.to_bill(due, billed, contract.skip_before):
        if period.start in billed:
            invoice = Invoice.query.filter_by(contract_id=contract.id, period_start=period.start).one()
            if invoice.status != "draft":
                continue  # billed already; a draft means an earlier run stopped before issuing it
        else:
            invoice = _draft_for(contract, period)
            if invoice is None:
                continue  # another clock run created it just now
        if _issue(invoice):
            issued += 1
            _deliver(invoice.id)
    if periods.is_finished(contract.start_date, contract.frequency, today, contract.end_date):
        db.session.query(Contract).filter(Contract.id == contract.id, Contract.status == "active").update(
            {"status": "ended"}, synchronize_session=False)
        db.session.commit()
    return issued


def _issue(invoice: Invoice) -> bool:
    """Contracts don't bypass the Stripe gate: while Stripe can't collect, the period's invoice
    waits as a draft (said once on its timeline) and the next run issues it."""
    try:
        return services.issue(invoice.id, invoice.organization_id)
    except Refused as refused:
        db.session.rollback()
        if services.add_event(invoice, "not_issued", f"Not issued yet: {refused.message}", ref="not-issued"):
            db.session.commit()
        log.info("contract invoice %s not issued: %s", invoice.id, refused.message)
        return False


def _period_line(description: str, period: periods.Period) -> str:
    return f"{description} ({period.start:%d %b %Y} – {period.end:%d %b %Y})"[:300]


def _draft_for(contract: Contract, period: periods.Period) -> Invoice | None:
    lines = [Line(line.quantity_milli, line.unit_price, line.tax_rate) for line in contract.lines]
    totals = compute(lines)
    invoice = Invoice(organization_id=contract.organization_id, customer_id=contract.customer_id,
                      contract_id=contract.id, period_start=period.start, period_end=period.end,
                      currency=contract.currency, issue_date=period.start,
                      due_date=period.start + timedelta(days=contract.days_until_due),
                      payment_method=contract.payment_method, pay_token=services.new_token(),
                      subtotal=totals.subtotal, tax_total=totals.tax, total=totals.total,
                      lines=[InvoiceLine(position=i, description=_period_line(line.description, period),
                                         quantity_milli=line.quantity_milli, unit_price=line.unit_price,
                                         tax_rate=line.tax_rate, net=amounts.net, tax=amounts.tax)
                             for i, (line, amounts) in enumerate(zip(contract.lines, totals.lines, strict=True))])
    db.session.add(invoice)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return invoice


def _deliver(invoice_id: int) -> None:
    """Charge the saved card or send the pay link; a Stripe outage must not stop the other
    contracts' billing (the invoice stays issued; the daily pass charges it when due)."""
    try:
        charging.deliver(invoice_id)
    except (GatewayError, CannotCollect) as error:
        db.session.rollback()
        invoice = db.session.get(Invoice, invoice_id)
        services.add_event(invoice, "delivery_failed", f"Couldn't reach Stripe to collect this invoice: "
                                                       f"{error.message}")
        db.session.commit()
        log.warning("contract invoice %s not delivered: %s", invoice_id, type(error).__name__)
