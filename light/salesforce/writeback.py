"""Writing an invoice's status back to its opportunity: Sent, Paid, Payment failed, Refunded, Void,
into the Light_… fields the org created (describe said which exist; no others are ever written).

It runs after each poll's query, only for deals whose invoice changed since the last accepted write,
so an idle poll still costs one call. A refusal (say a validation rule that locks Closed Won
opportunities) is recorded on the deal and retried with backoff; it never touches invoicing."""
import logging
from datetime import timedelta

from flask import current_app

from light.extensions import db
from light.invoices.models import Invoice
from light.invoices.notify import pay_url
from light.plumbing.salesforce_gateway import ApiLimited, RequestRefused, SalesforceError, Unreachable
from light.salesforce.models import SalesforceConnection, SalesforceDeal
from light.utc import utcnow

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)
PER_POLL = 50  # write-backs per poll at most: a backlog drains over a few polls, not in one burst


def status_of(invoice: Invoice) -> str:
    if invoice.amount_returned:
        return "Refunded"
    # Salesforce keeps its five values: a disputed invoice was paid (the bank hasn't decided), and
    # a lost dispute took the payment back, which is what "Payment failed" tells the sales team.
    return {"paid": "Paid", "disputed": "Paid", "payment_failed": "Payment failed", "dispute_lost": "Payment failed",
            "void": "Void", "draft": ""}.get(invoice.status, "Sent")


def values_for(invoice: Invoice, status: str, fields) -> dict:
    wanted = {"Light_Payment_Status__c": status, "Light_Invoice_Number__c": invoice.number,
              "Light_Payment_Link__c": pay_url(invoice),
              "Light_Paid_At__c": invoice.paid_at.strftime("%Y-%m-%dT%H:%M:%SZ") if invoice.paid_at else None}
    return {name: value for name, value in wanted.items() if name in fields}


def backoff(attempts: int, poll_seconds: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=poll_seconds * 2 ** max(0, attempts - 1)))


def write_back(connection: SalesforceConnection, client) -> int:
    """Write each changed status; returns how many Salesforce accepted."""
    if not connection.write_back_fields:
        return 0
    now, written = utcnow(), 0
    rows = (db.session.query(SalesforceDeal, Invoice).join(Invoice, SalesforceDeal.invoice_id == Invoice.id)
            .filter(SalesforceDeal.connection_id == connection.id, SalesforceDeal.status == "invoiced",
                    (SalesforceDeal.write_back_after.is_(None)) | (SalesforceDeal.write_back_after <= now))
            .order_by(SalesforceDeal.id).all())
    for deal, invoice in rows:
        status = status_of(invoice)
        if not status or status == deal.written_status:
            continue
        try:
            client.update_opportunity(deal.opportunity_id, values_for(invoice, status, connection.write_back_fields))
        except (RequestRefused, ApiLimited, Unreachable) as refused:
            _refused(deal, refused, now)
            if not isinstance(refused, RequestRefused):  # the org, not this deal: try again next poll
                break
            continue
        deal.written_status, deal.write_back_attempts = status, 0
        deal.write_back_after = deal.write_back_error = None
        db.session.commit()
        written += 1
        if written >= PER_POLL:
            break
    return written


def _refused(deal: SalesforceDeal, refused: SalesforceError, now) -> None:
    deal.write_back_attempts += 1
    deal.write_back_after = now + backoff(deal.write_back_attempts, current_app.config["SALESFORCE_POLL_SECONDS"])
    deal.write_back_error = f"Write-back refused, retried later: {refused.message}"[:500]
    db.session.commit()
    log.info("salesforce write-back for deal %s refused (%s)", deal.id, getattr(refused, "code", "limit"))
