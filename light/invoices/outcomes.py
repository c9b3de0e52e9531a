"""What a payment attempt came to, recorded once whether the charge job, the customer's return
from Checkout or a webhook (duplicated, out of order) reports it first."""
from light.customers import services as customers
from light.customers.models import Customer
from light.extensions import db
from light.ids import parse_id
from light.invoices import notify, services
from light.invoices.collection import AUTO_CHARGEABLE, Collection
from light.invoices.models import Invoice
from light.money import format_amount
from light.notifications import events as notifications
from light.plumbing.stripe_gateway import PaymentIntent
from light.workflows.steps import MARK_PAID_AND_RECEIPT, NOTIFY_ON_FAILURE


def succeeded(invoice_id: int, intent: PaymentIntent, collection: Collection | None = None) -> bool:
    if intent.status != "succeeded":
        return False
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or intent.currency.upper() != invoice.currency:
        return False
    recorded = services.settle(invoice_id, amount=intent.amount, ref=intent.id,
                               message=f"Paid {format_amount(intent.amount, invoice.currency)} through Stripe "
                                       f"(payment {intent.id}).")
    collection = collection or Collection.of(invoice.organization_id)
    if recorded and collection.step_on(MARK_PAID_AND_RECEIPT):
        services.add_event(invoice, "receipt", f"Receipt e-mailed to {invoice.customer.email}.", ref=intent.id)
        notify.send_receipt(invoice, intent.amount, intent.id)
    return recorded


def needs_action(invoice_id: int, ref: str) -> bool:
    """SCA: the bank wants the customer present. Ask them to confirm on the pay page; the saved
    card stays, so later invoices are still charged automatically."""
    invoice = _record_outcome(invoice_id, "action_required", "action_required", ref,
                              "The customer's bank asked them to confirm the payment: pay link e-mailed.",
                              only_from=AUTO_CHARGEABLE + ("payment_failed",))
    if invoice is None:
        return False
    notify.send_action_required(invoice)
    notifications.action_required(invoice, ref)
    return True


def failed(invoice_id: int, ref: str, reason: str, collection: Collection | None = None) -> bool:
    """A decline: tell the customer and the team; never retried automatically. A retry the team
    started on an invoice that had already failed is recorded too (its own payment, its own ref)."""
    invoice = _record_outcome(invoice_id, "payment_failed", "payment_failed", ref, f"Payment declined: {reason}",
                              only_from=AUTO_CHARGEABLE + ("action_required", "payment_failed"))
    if invoice is None:
        return False
    notify.send_payment_failed_to_customer(invoice, reason)
    collection = collection or Collection.of(invoice.organization_id)
    # Without a published workflow the team is still told: a decline must never pass unseen.
    if collection.workflow is None or collection.step_on(NOTIFY_ON_FAILURE):
        notifications.payment_failed(invoice, ref, reason)
    return True


def _record_outcome(invoice_id: int, status: str, kind: str, ref: str, message: str, *, only_from) -> Invoice | None:
    """Record an unhappy outcome once per ref and move the invoice to `status`, or None when it
    was recorded already or the invoice has moved on (paid, void): a late or duplicate webhook
    never turns a paid invoice back into a failed one. The invoice is re-read from the database,
    not trusted from the session, because another job may have just settled it."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    if invoice is None or invoice.status not in only_from:
        return None
    if not services.add_event(invoice, kind, message, ref=ref):
        db.session.rollback()
        return None
    db.session.commit()
    if not services.set_status(invoice_id, status, only_from=only_from):
        return None  # settled between the read and the write: the event stays as history
    db.session.refresh(invoice)
    return invoice


def checkout_completed(organization_id: int, session_id: str) -> bool:
    """Re-read the session (and its payment) from Stripe, save the card, then record the payment."""
    collection = Collection.of(organization_id)
    gateway = collection.gateway
    session = gateway.checkout_session(session_id)
    invoice = invoice_from_metadata(organization_id, session.metadata)
    if invoice is None or not session.payment_intent_id:
        return False
    if session.payment_status != "paid":
        if session.status == "complete":  # a delayed method: Stripe sends an async event when it settles
            services.add_event(invoice, "payment_processing", "The customer paid by a method that takes a few "
                               "days to settle: Stripe tells Light when it does.", ref=f"{session.id}-processing")
            db.session.commit()
        return False
    intent = gateway.payment_intent(session.payment_intent_id)
    save_card(invoice.customer, intent, gateway)
    return succeeded(invoice.id, intent, collection)


def checkout_async_failed(organization_id: int, session_id: str) -> bool:
    """The delayed payment of a completed session failed: a decline, told to customer and team."""
    collection = Collection.of(organization_id)
    session = collection.gateway.checkout_session(session_id)
    invoice = invoice_from_metadata(organization_id, session.metadata)
    if invoice is None or not session.payment_intent_id or session.payment_status == "paid":
        return False
    intent = collection.gateway.payment_intent(session.payment_intent_id)
    if intent.status in ("succeeded", "processing"):
        return False
    return failed(invoice.id, intent.id, "the bank debit failed (the bank refused it or the account is closed).",
                  collection)


def save_card(customer: Customer, intent: PaymentIntent, gateway) -> None:
    if not intent.payment_method_id or intent.customer_id != customer.stripe_customer_id:
        return
    if customer.payment_method_id == intent.payment_method_id:
        return
    method = next((m for m in gateway.payment_methods(intent.customer_id) if m.id == intent.payment_method_id), None)
    if method is None:  # not attached to the customer: it wasn't saved for later use
        return
    customers.save_card(customer, payment_method_id=method.id, brand=method.brand, last4=method.last4)
    db.session.commit()


def invoice_from_metadata(organization_id: int, metadata: dict) -> Invoice | None:
    invoice_id = parse_id((metadata or {}).get("light_invoice_id"))
    if invoice_id is None:
        return None
    return Invoice.query.filter_by(id=invoice_id, organization_id=organization_id).one_or_none()
