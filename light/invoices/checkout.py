"""The customer's pay page meets Stripe Checkout: a fresh session for what is due, and the
payment recorded when the customer comes back."""
import logging

from light.extensions import db
from light.invoices import notify, outcomes, services
from light.invoices.collection import PAYABLE, CannotCollect, Collection, ensure_stripe_customer, stripe_metadata
from light.invoices.models import Invoice
from light.invoices.totals import format_quantity
from light.plumbing.stripe_gateway import GatewayError, Unreachable

log = logging.getLogger(__name__)


def start_checkout(invoice: Invoice) -> str:
    """A fresh Checkout Session for what is due, saving the card for later invoices; returns its
    URL. Sessions expire, so the e-mailed link makes a new one every time it is used."""
    if invoice.status not in PAYABLE or invoice.payment_method != "stripe" or invoice.amount_due <= 0:
        raise CannotCollect("This invoice can't be paid online.")
    collection = Collection.of(invoice.organization_id)
    # The n-th session's key is invoice-<id>-checkout-<n>, and n moves on once Stripe used the
    # key: it made the session, or answered a 5xx, which Stripe saves under the key and replays
    # for 24 h. A double click gets the same session back; a refusal Light makes writes nothing.
    number = invoice.checkout_count + 1
    try:
        customer = ensure_stripe_customer(invoice.customer, collection)
        pay_page = notify.pay_url(invoice)
        session = collection.gateway.create_checkout_session(
            customer_id=customer.stripe_customer_id, currency=invoice.currency.lower(), lines=_checkout_lines(invoice),
            success_url=pay_page + "?session_id={CHECKOUT_SESSION_ID}", cancel_url=pay_page,
            metadata=stripe_metadata(invoice, "checkout"), save_payment_method=True,
            idempotency_key=f"invoice-{invoice.id}-checkout-{number}")
    except Unreachable as error:
        db.session.rollback()
        _key_used(invoice, number)
        raise CannotCollect(error.message) from None
    except GatewayError as error:
        db.session.rollback()
        raise CannotCollect(error.message) from None
    _key_used(invoice, number)
    services.add_event(invoice, "checkout", "The customer went to Stripe Checkout to pay.", ref=session.id)
    db.session.commit()
    return session.url


def _key_used(invoice: Invoice, number: int) -> None:
    db.session.query(Invoice).filter(Invoice.id == invoice.id, Invoice.checkout_count < number).update(
        {"checkout_count": number}, synchronize_session=False)
    db.session.commit()


def _checkout_lines(invoice: Invoice) -> list[tuple[str, int, int]]:
    if invoice.amount_paid:
        return [(f"Invoice {invoice.number}: balance due", invoice.amount_due, 1)]
    return [(f"{line.description} × {format_quantity(line.quantity_milli)}"[:250], line.gross, 1)
            for line in invoice.lines if line.gross > 0]


def confirm_return(invoice: Invoice, session_id: str) -> None:
    """The customer came back from Checkout: record the payment now rather than wait for the
    webhook (both paths record it once)."""
    try:
        outcomes.checkout_completed(invoice.organization_id, session_id)
    except (GatewayError, CannotCollect) as error:
        log.warning("checkout return for invoice %s not confirmed: %s", invoice.id, type(error).__name__)
