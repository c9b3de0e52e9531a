"""Collecting invoices through the organization's own Stripe account (its Stripe integration),
following its published Invoice-to-Cash workflow.

Every Stripe write carries an idempotency key derived from Light's own records, and every outcome
is recorded once (the timeline's unique refs), so jobs and webhooks may run twice or out of order.
"""
import logging

from light.customers import services as customers
from light.customers.forms import parse_id
from light.customers.models import Customer
from light.extensions import db
from light.invoices import notify, services
from light.invoices.models import Invoice
from light.invoices.totals import format_quantity
from light.money import format_amount
from light.stripe_gateway import AuthenticationRequired, CardDeclined, GatewayError, PaymentIntent

log = logging.getLogger(__name__)
AUTO_CHARGEABLE = ("issued", "overdue", "partially_paid")
# After a decline or an SCA request only a person (the team, or the customer on the pay page) retries.
MANUALLY_CHARGEABLE = AUTO_CHARGEABLE + ("action_required", "payment_failed")
PAYABLE = ("issued", "overdue", "partially_paid", "action_required", "payment_failed")


class CannotCollect(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the organization's Stripe and workflow ----------------------------------------------------
def workflow(organization_id: int):
    from light.workflows.services import published_invoice_to_cash

    return published_invoice_to_cash(organization_id)


def step_on(flow, key: str) -> bool:
    """Only a published workflow runs: without one, no step does."""
    return flow is not None and bool(flow.is_on(key))


def stripe_for(organization_id: int):
    """(integration, gateway), or CannotCollect with the reason to show."""
    from light.integrations.services import IntegrationMissing, active_stripe_integration, stripe_gateway_for

    integration = active_stripe_integration(organization_id)
    try:
        gateway = stripe_gateway_for(organization_id)
    except IntegrationMissing as missing:
        raise CannotCollect(missing.message) from None
    if integration is None:
        raise CannotCollect("Stripe is not connected.")
    return integration, gateway


def ensure_stripe_customer(customer: Customer, integration, gateway) -> Customer:
    """Create the customer in Stripe once per integration (a new integration is a new Stripe
    account, where the old customer and saved card don't exist)."""
    if customer.stripe_customer_id and customer.stripe_integration_id == integration.id:
        return customer
    created = gateway.create_customer(name=customer.name, email=customer.email,
                                      metadata={"light_customer_id": str(customer.id)},
                                      idempotency_key=f"customer-{customer.id}-integration-{integration.id}")
    customer.stripe_customer_id, customer.stripe_integration_id = created.id, integration.id
    customer.payment_method_id = customer.card_brand = customer.card_last4 = None
    db.session.commit()
    return customer


def _metadata(invoice: Invoice, charge: str) -> dict:
    return {"light_invoice_id": str(invoice.id), "light_organization_id": str(invoice.organization_id),
            "light_invoice_number": invoice.number or "", "light_charge": charge}


# -- after issuing ----------------------------------------------------------------------------
def deliver(invoice_id: int, base_url: str | None = None) -> str:
    """The job that follows Issue: charge saved payment details, or e-mail the pay link."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.status not in PAYABLE:
        return "nothing to deliver"
    if invoice.payment_method == "bank_transfer":
        if services.add_event(invoice, "sent", f"Invoice e-mailed to {invoice.customer.email}.", ref="invoice"):
            notify.send_bank_transfer_invoice(invoice)
        return "invoice sent"
    flow = workflow(invoice.organization_id)
    integration, gateway = stripe_for(invoice.organization_id)
    customer = ensure_stripe_customer(invoice.customer, integration, gateway)
    if customer.has_saved_card and step_on(flow, "auto_charge"):
        # Saved details are charged at issue: the customer is never asked again.
        return charge_saved_card(invoice.id, base_url)
    if step_on(flow, "send_payment_link"):
        send_pay_link(invoice, base_url, ref="invoice")
        return "pay link sent"
    return "issued (the workflow sends nothing)"


def send_pay_link(invoice: Invoice, base_url: str | None = None, *, ref: str | None = None) -> bool:
    if not services.add_event(invoice, "sent", f"Pay link e-mailed to {invoice.customer.email}.", ref=ref):
        return False
    notify.send_pay_link(invoice, base_url)  # commits the event with the Outbox message
    return True


def charge_due_invoices(today) -> int:
    """The periodic pass: charge saved details of Stripe invoices falling due, once each. Only
    the first attempt is automatic (charge_attempts == 0): a declined card is never retried."""
    due = (Invoice.query.join(Customer, Invoice.customer_id == Customer.id)
           .filter(Invoice.payment_method == "stripe", Invoice.status.in_(AUTO_CHARGEABLE),
                   Invoice.due_date <= today, Invoice.charge_attempts == 0, Customer.payment_method_id.isnot(None))
           .order_by(Invoice.id).all())
    charged = 0
    for invoice in due:
        if step_on(workflow(invoice.organization_id), "auto_charge"):
            try:
                charged += charge_saved_card(invoice.id) == "paid"
            except CannotCollect:
                continue
    return charged


def charge_saved_card(invoice_id: int, base_url: str | None = None, *, manual: bool = False) -> str:
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
    integration, gateway = stripe_for(invoice.organization_id)
    ensure_stripe_customer(customer, integration, gateway)
    if not customer.has_saved_card:  # the integration changed: the card is gone with the old account
        return "no saved payment details"
    attempt = invoice.charge_attempts + 1
    amount = invoice.amount_due
    services.add_event(invoice, "charge_attempt",
                       f"Charging {customer.card_label} for {format_amount(amount, invoice.currency)}"
                       f"{' (started by the team)' if manual else ''}.", ref=f"charge-{attempt}", amount=amount)
    db.session.commit()
    try:
        intent = gateway.charge_saved_payment_method(
            customer_id=customer.stripe_customer_id, payment_method_id=customer.payment_method_id, amount=amount,
            currency=invoice.currency.lower(), metadata=_metadata(invoice, "off_session"),
            idempotency_key=f"invoice-{invoice.id}-charge-{attempt}")
    except AuthenticationRequired as needs_auth:
        _attempted(invoice, attempt)
        needs_action(invoice.id, needs_auth.payment_intent_id or f"charge-{attempt}", base_url)
        return "action required"
    except CardDeclined as declined:
        _attempted(invoice, attempt)
        failed(invoice.id, declined.payment_intent_id or f"charge-{attempt}", declined.message, base_url)
        return "declined"
    _attempted(invoice, attempt)
    if intent.status == "succeeded":
        succeeded(invoice.id, intent)
        return "paid"
    return f"payment {intent.status}"


def _attempted(invoice: Invoice, attempt: int) -> None:
    db.session.query(Invoice).filter(Invoice.id == invoice.id, Invoice.charge_attempts < attempt).update(
        {"charge_attempts": attempt}, synchronize_session=False)
    db.session.commit()


# -- outcomes (from the charge job, the pay page's return and webhooks alike) ------------------
def succeeded(invoice_id: int, intent: PaymentIntent) -> bool:
    if intent.status != "succeeded":
        return False
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or intent.currency.upper() != invoice.currency:
        return False
    recorded = services.settle(invoice_id, amount=intent.amount, ref=intent.id,
                               message=f"Paid {format_amount(intent.amount, invoice.currency)} through Stripe "
                                       f"(payment {intent.id}).")
    if recorded and step_on(workflow(invoice.organization_id), "mark_paid_and_receipt"):
        services.add_event(invoice, "receipt", f"Receipt e-mailed to {invoice.customer.email}.", ref=intent.id)
        notify.send_receipt(invoice, intent.amount, intent.id)
    return recorded


def needs_action(invoice_id: int, ref: str, base_url: str | None = None) -> bool:
    """SCA: the bank wants the customer present. Ask them to confirm on the pay page; the saved
    card stays, so later invoices are still charged automatically."""
    invoice = _record_outcome(invoice_id, "action_required", "action_required", ref,
                              "The customer's bank asked them to confirm the payment: pay link e-mailed.",
                              only_from=AUTO_CHARGEABLE + ("payment_failed",))
    if invoice is None:
        return False
    notify.send_action_required(invoice, base_url)
    return True


def failed(invoice_id: int, ref: str, reason: str, base_url: str | None = None) -> bool:
    """A decline: tell the customer and the team; never retried automatically. A retry the team
    started on an invoice that had already failed is recorded too (its own payment, its own ref)."""
    invoice = _record_outcome(invoice_id, "payment_failed", "payment_failed", ref, f"Payment declined: {reason}",
                              only_from=AUTO_CHARGEABLE + ("action_required", "payment_failed"))
    if invoice is None:
        return False
    notify.send_payment_failed_to_customer(invoice, reason, base_url)
    flow = workflow(invoice.organization_id)
    if flow is None or flow.is_on("notify_on_failure"):
        notify.send_payment_failed_to_team(invoice, reason, base_url)
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
    _, gateway = stripe_for(organization_id)
    session = gateway.checkout_session(session_id)
    invoice = invoice_from_metadata(organization_id, session.metadata)
    if invoice is None or session.payment_status != "paid" or not session.payment_intent_id:
        return False
    intent = gateway.payment_intent(session.payment_intent_id)
    save_card(invoice.customer, intent, gateway)
    return succeeded(invoice.id, intent)


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


def invoice_for_intent(organization_id: int, intent: PaymentIntent) -> Invoice | None:
    return invoice_from_metadata(organization_id, intent.metadata)


# -- the pay page -----------------------------------------------------------------------------
def start_checkout(invoice: Invoice, base_url: str | None = None) -> str:
    """A fresh Checkout Session for what is due, saving the card for later invoices; returns its
    URL. Sessions expire, so the e-mailed link makes a new one every time it is used."""
    if invoice.status not in PAYABLE or invoice.payment_method != "stripe" or invoice.amount_due <= 0:
        raise CannotCollect("This invoice can't be paid online.")
    integration, gateway = stripe_for(invoice.organization_id)
    try:
        customer = ensure_stripe_customer(invoice.customer, integration, gateway)
        db.session.query(Invoice).filter(Invoice.id == invoice.id).update(
            {"checkout_count": Invoice.checkout_count + 1}, synchronize_session=False)
        db.session.commit()
        db.session.refresh(invoice)
        pay_page = notify.public_url(f"/pay/{invoice.pay_token}", base_url)
        session = gateway.create_checkout_session(
            customer_id=customer.stripe_customer_id, currency=invoice.currency.lower(), lines=_checkout_lines(invoice),
            success_url=pay_page + "?session_id={CHECKOUT_SESSION_ID}", cancel_url=pay_page,
            metadata=_metadata(invoice, "checkout"), save_payment_method=True,
            idempotency_key=f"invoice-{invoice.id}-checkout-{invoice.checkout_count}")
    except GatewayError as error:
        raise CannotCollect(error.message) from None
    services.add_event(invoice, "checkout", "The customer went to Stripe Checkout to pay.", ref=session.id)
    db.session.commit()
    return session.url


def _checkout_lines(invoice: Invoice) -> list[tuple[str, int, int]]:
    if invoice.amount_paid:
        return [(f"Invoice {invoice.number}: balance due", invoice.amount_due, 1)]
    return [(f"{line.description} × {format_quantity(line.quantity_milli)}"[:250], line.gross, 1)
            for line in invoice.lines if line.gross > 0]


def confirm_return(invoice: Invoice, session_id: str) -> None:
    """The customer came back from Checkout: record the payment now rather than wait for the
    webhook (both paths record it once)."""
    try:
        checkout_completed(invoice.organization_id, session_id)
    except (GatewayError, CannotCollect) as error:
        log.warning("checkout return for invoice %s not confirmed: %s", invoice.id, type(error).__name__)
