"""A won deal becomes one invoice, issued with Payment method Stripe and handed to the published
Invoice-to-Cash workflow through the same calls as Sales Invoices > Issue (services.issue, then
charging.start_delivery): the workflow e-mails the pay link or charges a saved card.

Exactly once: the deal's row (unique per connection and opportunity) is inserted in the same
transaction as the draft invoice. A second worker's insert fails; a poll that crashed after it
finds the row "invoicing" and finishes issuing and delivering, both of which are idempotent."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from light.customers import services as customers
from light.customers.models import Customer
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.integrations.services import active_stripe_integration
from light.invoices import charging
from light.invoices import services as invoices
from light.invoices.models import Invoice, InvoiceLine
from light.invoices.totals import Line, compute
from light.plumbing.salesforce_gateway import Opportunity
from light.salesforce.deals import NeedsAttention, Plan, plan
from light.salesforce.models import SalesforceConnection, SalesforceDeal
from light.utc import utcnow

log = logging.getLogger(__name__)
SETTLED = ("existing", "invoiced")


def handle_won(connection: SalesforceConnection, opportunity: Opportunity, deal: SalesforceDeal | None) -> str:
    """What Light did with this won opportunity: "seen" (handled before), "invoiced", "needs attention"
    or "taken" (another worker has it)."""
    if deal is not None and (deal.status in SETTLED or deal.invoice_id is not None):
        return "seen"  # won -> lost -> won, or Light's own write-back: never a second invoice
    try:
        _check_pairing(connection)
        planned = plan(opportunity, connection.default_currency)
        customer = _customer_for(connection.organization_id, planned)
    except NeedsAttention as held:
        db.session.rollback()
        _hold(connection, opportunity, deal, held.reason)
        return "needs attention"
    invoice = _claim(connection, opportunity, deal, planned, customer)
    if invoice is None:
        return "taken"
    finish(invoice.id)
    return "invoiced"


def _check_pairing(connection: SalesforceConnection) -> None:
    """Checked at connect time, and again here: the Stripe key may have been replaced since."""
    stripe = active_stripe_integration(connection.organization_id)
    if connection.is_sandbox and stripe is not None and stripe.livemode:
        raise NeedsAttention("A deal from a Salesforce sandbox org is never charged with a live Stripe key: "
                             "use a Stripe test key, or connect your production org.")


def _customer_for(organization_id: int, planned: Plan) -> Customer:
    """The Light customer with this e-mail (reused), else a new one (flushed, saved with the invoice)."""
    existing = (Customer.query.filter(Customer.organization_id == organization_id,
                                      func.lower(Customer.email) == planned.email.lower())
                .order_by(Customer.id).first())
    if existing is not None:
        if existing.currency != planned.currency:
            raise NeedsAttention(f"The customer {existing.name} ({existing.email}) pays in {existing.currency}, "
                                 f"but the deal is in {planned.currency}.")
        return existing
    try:
        return customers.create_customer(organization_id, {"name": planned.customer_name, "email": planned.email,
                                                           "currency": planned.currency, "address": ""}, commit=False)
    except InvalidInput as invalid:
        problems = " ".join(invalid.errors.values())
        raise NeedsAttention(f"The customer from Salesforce can't be used: {problems}") from None


def _hold(connection, opportunity: Opportunity, deal: SalesforceDeal | None, reason: str) -> None:
    if deal is None:
        deal = SalesforceDeal(organization_id=connection.organization_id, connection_id=connection.id,
                              opportunity_id=opportunity.id)
        db.session.add(deal)
    deal.status, deal.reason = "needs_attention", reason
    deal.name = " ".join((opportunity.name or "").split())[:255]
    deal.won_modstamp = opportunity.system_modstamp.replace(tzinfo=None)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker recorded it first


def _claim(connection, opportunity: Opportunity, deal, planned: Plan, customer: Customer) -> Invoice | None:
    """The draft invoice and the deal's row, in one transaction; None if another worker has the deal."""
    invoice = _draft(connection.organization_id, customer, planned)
    if deal is None:
        deal = SalesforceDeal(organization_id=connection.organization_id, connection_id=connection.id,
                              opportunity_id=opportunity.id)
        db.session.add(deal)
    elif not db.session.query(SalesforceDeal).filter(
            SalesforceDeal.id == deal.id, SalesforceDeal.invoice_id.is_(None),
            SalesforceDeal.status == "needs_attention").update({"status": "invoicing"}, synchronize_session=False):
        db.session.rollback()
        return None
    deal.status, deal.reason, deal.invoice = "invoicing", None, invoice
    deal.name = " ".join((opportunity.name or "").split())[:255]
    deal.email, deal.currency, deal.amount = planned.email, planned.currency, invoice.total
    deal.won_modstamp = opportunity.system_modstamp.replace(tzinfo=None)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    invoices.add_event(invoice, "salesforce", f"Created from the Salesforce opportunity {deal.name}, "
                                              "marked Closed/Won.", ref=opportunity.id)
    db.session.commit()
    return invoice


def _draft(organization_id: int, customer: Customer, planned: Plan) -> Invoice:
    lines = [Line(line.quantity_milli, line.unit_price, 0) for line in planned.lines]
    totals = compute(lines)
    today = utcnow().date()
    due = today + timedelta(days=current_app.config["SALESFORCE_DAYS_UNTIL_DUE"])
    invoice = Invoice(organization_id=organization_id, customer=customer, currency=planned.currency,
                      issue_date=today, due_date=due,
                      payment_method="stripe", pay_token=invoices.new_token(), subtotal=totals.subtotal,
                      tax_total=totals.tax, total=totals.total,
                      lines=[InvoiceLine(position=i, description=line.description, quantity_milli=line.quantity_milli,
                                         unit_price=line.unit_price, tax_rate=0, net=amounts.net, tax=amounts.tax)
                             for i, (line, amounts) in enumerate(zip(planned.lines, totals.lines, strict=True))])
    db.session.add(invoice)
    return invoice


def finish(invoice_id: int) -> None:
    """Issue the deal's invoice and start its delivery; safe to repeat (a crash half way is resumed)."""
    invoice = db.session.get(Invoice, invoice_id)
    deal = SalesforceDeal.query.filter_by(invoice_id=invoice_id).one()
    try:
        invoices.issue(invoice.id, invoice.organization_id)
    except Refused as refused:
        db.session.rollback()
        db.session.query(SalesforceDeal).filter(SalesforceDeal.id == deal.id).update(
            {"status": "needs_attention", "reason": f"Invoice drafted, not issued yet: {refused.message}"[:500]},
            synchronize_session=False)
        db.session.commit()
        return
    invoice = db.session.get(Invoice, invoice_id)
    if invoice.status != "draft":
        charging.start_delivery(invoice)  # idempotent: the pay link is e-mailed once (its timeline ref)
    db.session.query(SalesforceDeal).filter(SalesforceDeal.id == deal.id).update(
        {"status": "invoiced", "reason": None}, synchronize_session=False)
    db.session.commit()


def resume_unfinished(connection_id: int) -> int:
    """Deals whose invoice was drafted but not yet issued and handed over (a crash, or Stripe not ready)."""
    pending = (db.session.query(SalesforceDeal.invoice_id)
               .filter(SalesforceDeal.connection_id == connection_id, SalesforceDeal.invoice_id.isnot(None),
                       or_(SalesforceDeal.status == "invoicing", SalesforceDeal.status == "needs_attention"))
               .all())
    for invoice_id, in pending:
        finish(invoice_id)
    return len(pending)
