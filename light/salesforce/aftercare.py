"""After an invoice went out: a deal reopened, changed in amount, or deleted in Salesforce is
flagged on the invoice's timeline (once per kind of change), never voided by itself: the team
decides. Checked every SALESFORCE_RECHECK_SECONDS with one query over the recent invoiced deals."""
from datetime import timedelta

from flask import current_app

from light.extensions import db
from light.invoices import services as invoices
from light.invoices.models import Invoice
from light.money import format_amount
from light.salesforce.deals import NeedsAttention, to_minor
from light.salesforce.models import SalesforceConnection, SalesforceDeal
from light.utc import utcnow

RECHECKED = 200  # the most recent invoiced deals; older ones are settled history


def is_due(connection: SalesforceConnection, now) -> bool:
    every = timedelta(seconds=current_app.config["SALESFORCE_RECHECK_SECONDS"])
    return connection.last_recheck_at is None or now - connection.last_recheck_at >= every


def recheck(connection: SalesforceConnection, client, fields) -> int:
    """Flag what changed; returns how many invoices were flagged now."""
    now = utcnow()
    if not is_due(connection, now):
        return 0
    rows = (db.session.query(SalesforceDeal, Invoice).join(Invoice, SalesforceDeal.invoice_id == Invoice.id)
            .filter(SalesforceDeal.connection_id == connection.id, SalesforceDeal.status == "invoiced",
                    Invoice.status != "void")
            .order_by(SalesforceDeal.id.desc()).limit(RECHECKED).all())
    current = client.current_state(fields, [deal.opportunity_id for deal, _ in rows])
    flagged = 0
    for deal, invoice in rows:
        change = change_of(current.get(deal.opportunity_id), invoice)
        if change and invoices.add_event(invoice, "salesforce_changed", change[1], ref=f"salesforce-{change[0]}"):
            flagged += 1
    db.session.query(SalesforceConnection).filter_by(id=connection.id).update({"last_recheck_at": now})
    db.session.commit()
    return flagged


def change_of(opportunity, invoice: Invoice) -> tuple[str, str] | None:
    """(what changed, the words for the timeline), or None."""
    if opportunity is None:
        return "deleted", ("The Salesforce opportunity was deleted (or hidden from Light's user) after this invoice "
                           "went out. Light left the invoice as it is.")
    if not opportunity.is_won:
        return "reopened", ("The Salesforce opportunity is no longer Closed/Won. Light left the invoice as it is: "
                            "void it if the deal is off.")
    if opportunity.amount is None:
        return None
    try:
        amount = to_minor(opportunity.amount, invoice.currency)
    except NeedsAttention:
        amount = None
    if amount != invoice.total:
        shown = format_amount(amount, invoice.currency) if amount is not None else str(opportunity.amount)
        return f"amount-{opportunity.amount}", (f"The opportunity's Amount changed to {shown} after this invoice "
                                                 f"went out for {format_amount(invoice.total, invoice.currency)}.")
    return None
