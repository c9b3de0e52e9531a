"""Collecting an issued invoice: charge the customer's saved payment details, or e-mail the pay
link, following the organization's published Invoice-to-Cash workflow.

Every Stripe write carries an idempotency key derived from Light's own records, and every outcome
is recorded once (the timeline's unique refs), so jobs may run twice."""
import logging

from sqlalchemy import String, and_, cast, literal, or_

from light.customers.models import Customer
from light.errors import Refused
from light.extensions import db
from light.invoices import notify, outcomes, services
from light.invoices.collection import (
    AUTO_CHARGEABLE,
    MANUALLY_CHARGEABLE,
    PAYABLE,
    CannotCollect,
    Collection,
    Collections,
    ensure_stripe_customer,
    stripe_metadata,
)
from light.invoices.models import Invoice, InvoiceEvent
from light.invoices.totals import stripe_charge_problem
from light.money import format_amount
from light.plumbing.jobs.queue import enqueue
from light.plumbing.stripe_gateway import (
    AuthenticationRequired,
    CardDeclined,
    GatewayError,
    InvalidRequest,
    Unreachable,
)
from light.workflows.steps import AUTO_CHARGE, SEND_PAYMENT_LINK

log = logging.getLogger(__name__)
MAX_INTERRUPTED_ATTEMPTS = 3  # then a person decides (Stripe may be down for longer)


# -- what the team asks for -------------------------------------------------------------------
def start_delivery(invoice: Invoice):
    """After Issue, in the background: the route, contract billing and the CLI all start it here."""
    return enqueue(deliver, invoice.id, kind="invoice_delivery", description=f"Sending invoice {invoice.number}",
                   organization_id=invoice.organization_id, active_key=f"invoice-deliver:{invoice.id}")


def request_charge(invoice: Invoice):
    """The team asks for another try of the saved card (never done automatically after a decline)."""
    if not invoice.customer.has_saved_card:
        raise Refused("This customer has no saved payment details.")
    return enqueue(charge_saved_card, invoice.id, True, kind="invoice_charge",
                   description=f"Charging the saved card for invoice {invoice.number}",
                   organization_id=invoice.organization_id, active_key=f"invoice-charge:{invoice.id}")


def resend_pay_link(invoice: Invoice) -> None:
    """Send the pay link again (e.g. after the customer lost it)."""
    if invoice.payment_method != "stripe" or invoice.status not in PAYABLE:
        raise Refused("Only an unpaid Stripe invoice has a pay link to send.")
    send_pay_link(invoice)


# -- the jobs ---------------------------------------------------------------------------------
def deliver(invoice_id: int) -> str:
    """The job that follows Issue: charge saved payment details, or e-mail the pay link."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.status not in PAYABLE:
        return "nothing to deliver"
    if invoice.payment_method == "bank_transfer":
        if services.add_event(invoice, "sent", f"Invoice e-mailed to {invoice.customer.email}.", ref="invoice"):
            notify.send_bank_transfer_invoice(invoice)
        return "invoice sent"
    collection = Collection.of(invoice.organization_id)
    customer = ensure_stripe_customer(invoice.customer, collection)
    if customer.has_saved_card and collection.step_on(AUTO_CHARGE):
        # Saved details are charged at issue: the customer is never asked again.
        return charge_saved_card(invoice.id, collection=collection)
    if collection.step_on(SEND_PAYMENT_LINK):
        send_pay_link(invoice, ref="invoice")
        return "pay link sent"
    return "issued (the workflow sends nothing)"


def send_pay_link(invoice: Invoice, *, ref: str | None = None) -> bool:
    if not services.add_event(invoice, "sent", f"Pay link e-mailed to {invoice.customer.email}.", ref=ref):
        return False
    notify.send_pay_link(invoice)  # commits the event with the Outbox message
    return True


def charge_due_invoices(today, collections: Collections | None = None) -> int:
    """The periodic pass: charge saved details of Stripe invoices falling due. Only the first
    attempt is automatic (charge_attempts == 0): a declined card is never retried, nor a charge
    Stripe refused. An attempt a Stripe error interrupted is the exception: it is tried again
    (under the next attempt's key), up to MAX_INTERRUPTED_ATTEMPTS in all."""
    collections = Collections() if collections is None else collections
    interrupted = db.session.query(InvoiceEvent.id).filter(
        InvoiceEvent.invoice_id == Invoice.id, InvoiceEvent.kind == "charge_interrupted",
        InvoiceEvent.ref == literal("charge-") + cast(Invoice.charge_attempts, String) + literal("-interrupted"))
    due = (Invoice.query.join(Customer, Invoice.customer_id == Customer.id)
           .filter(Invoice.payment_method == "stripe", Invoice.status.in_(AUTO_CHARGEABLE),
                   Invoice.due_date <= today, Customer.payment_method_id.isnot(None),
                   or_(Invoice.charge_attempts == 0,
                       and_(Invoice.charge_attempts < MAX_INTERRUPTED_ATTEMPTS, interrupted.exists())))
           .order_by(Invoice.id).all())
    charged = 0
    for invoice in due:
        collection = collections[invoice.organization_id]
        if collection.step_on(AUTO_CHARGE):
            try:
                charged += charge_saved_card(invoice.id, collection=collection) == "paid"
            except (CannotCollect, GatewayError) as error:
                # One invoice Stripe can't charge today must not stop the run for the others.
                db.session.rollback()
                log.warning("charging invoice %s failed: %s", invoice.id, type(error).__name__)
    return charged


def charge_saved_card(invoice_id: int, manual: bool = False, *, collection: Collection | None = None) -> str:
    """Charge the customer's saved payment details, off-session. Attempt n uses the key
    invoice-<id>-charge-<n>, and n only moves on once the outcome is recorded, so a job that
    crashed half way replays Stripe's answer instead of charging twice."""
    invoice = db.session.get(Invoice, invoice_id)
    allowed = MANUALLY_CHARGEABLE if manual else AUTO_CHARGEABLE
    if invoice is None or invoice.status not in allowed or invoice.amount_due <= 0:
        return "not chargeable"
    customer = invoice.customer
    if not customer.has_saved_card:
        return "no saved payment details"
    collection = collection or Collection.of(invoice.organization_id)
    ensure_stripe_customer(customer, collection)
    if not customer.has_saved_card:  # the integration changed: the card is gone with the old account
        return "no saved payment details"
    attempt = invoice.charge_attempts + 1
    if attempt > 1 and _paid_at_stripe(invoice, collection):
        return "paid"
    amount = invoice.amount_due
    problem = stripe_charge_problem(amount, invoice.currency)
    if problem:  # a partial payment can leave less than Stripe's smallest charge due
        _refused(invoice, attempt, f"Not charged: {problem}")
        return "not chargeable by Stripe"
    services.add_event(invoice, "charge_attempt",
                       f"Charging {customer.card_label} for {format_amount(amount, invoice.currency)}"
                       f"{' (started by the team)' if manual else ''}.", ref=f"charge-{attempt}", amount=amount)
    db.session.commit()
    return _charge(invoice, collection, attempt, amount)


def _charge(invoice: Invoice, collection: Collection, attempt: int, amount: int) -> str:
    """Attempt n at Stripe, and what it came to."""
    customer = invoice.customer
    try:
        intent = collection.gateway.charge_saved_payment_method(
            customer_id=customer.stripe_customer_id, payment_method_id=customer.payment_method_id, amount=amount,
            currency=invoice.currency.lower(), metadata=stripe_metadata(invoice, "off_session"),
            idempotency_key=f"invoice-{invoice.id}-charge-{attempt}")
    except AuthenticationRequired as needs_auth:
        _attempted(invoice, attempt)
        outcomes.needs_action(invoice.id, needs_auth.payment_intent_id or f"charge-{attempt}")
        return "action required"
    except CardDeclined as declined:
        _attempted(invoice, attempt)
        outcomes.failed(invoice.id, declined.payment_intent_id or f"charge-{attempt}", declined.message, collection)
        return "declined"
    except InvalidRequest as refused:  # Stripe saves no result for a refused request: nothing to replay
        _refused(invoice, attempt, f"Stripe refused the charge: {refused.message}")
        return "refused by Stripe"
    except Unreachable:
        # Stripe saved its 5xx under this attempt's key and would replay it for 24 h, and whether
        # it charged is unknown: the next attempt (the next charge run's) uses a new key, and
        # first asks Stripe.
        _refused(invoice, attempt, "Stripe had an error while charging. Light checks with Stripe "
                                   "and tries again at its next charge run.", kind="charge_interrupted")
        raise CannotCollect("Stripe had an error while charging; try again in a few minutes.") from None
    _attempted(invoice, attempt)
    if intent.status == "succeeded":
        outcomes.succeeded(invoice.id, intent, collection)
        return "paid"
    return f"payment {intent.status}"


def _paid_at_stripe(invoice: Invoice, collection: Collection) -> bool:
    """An earlier attempt whose outcome Light never heard may have succeeded: record it instead of
    charging again."""
    for intent in collection.gateway.payment_intents(invoice.customer.stripe_customer_id):
        if (intent.status == "succeeded" and intent.metadata.get("light_invoice_id") == str(invoice.id)
                and outcomes.succeeded(invoice.id, intent, collection)):  # False when recorded already
            return True
    return False


def _refused(invoice: Invoice, attempt: int, message: str, kind: str = "charge_refused") -> None:
    """On the timeline, once per attempt; the invoice stays open for the team to act on."""
    suffix = "interrupted" if kind == "charge_interrupted" else "refused"
    if services.add_event(invoice, kind, message, ref=f"charge-{attempt}-{suffix}"):
        db.session.commit()
    _attempted(invoice, attempt)


def _attempted(invoice: Invoice, attempt: int) -> None:
    db.session.query(Invoice).filter(Invoice.id == invoice.id, Invoice.charge_attempts < attempt).update(
        {"charge_attempts": attempt}, synchronize_session=False)
    db.session.commit()
