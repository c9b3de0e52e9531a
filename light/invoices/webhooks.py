"""Payment events from each organization's Stripe integration (routed by light/stripe_events.py).
Deliveries come duplicated and out of order: handlers re-read the object from Stripe and record
each outcome once."""
from light.extensions import db
from light.invoices import credit_notes, dispute_rules, outcomes, services
from light.invoices.collection import Collection
from light.invoices.models import Invoice, InvoiceEvent
from light.money import format_amount
from light.notifications import events as notifications
from light.utc import from_unix


def checkout_session_completed(event) -> None:
    """Also for checkout.session.async_payment_succeeded: the session, re-read, says paid."""
    outcomes.checkout_completed(event.organization_id, event.payload["id"])


def checkout_async_payment_failed(event) -> None:
    """A delayed payment (a bank debit) bounced days after the customer finished Checkout."""
    outcomes.checkout_async_failed(event.organization_id, event.payload["id"])


def _intent_and_invoice(event):
    """The payment as Stripe has it now (not as the event, maybe stale, says), and its invoice in
    the event's organization only."""
    intent = Collection.of(event.organization_id).gateway.payment_intent(event.payload["id"])
    return intent, outcomes.invoice_from_metadata(event.organization_id, intent.metadata)


def payment_intent_succeeded(event) -> None:
    intent, invoice = _intent_and_invoice(event)
    if invoice is not None:
        outcomes.succeeded(invoice.id, intent)


def payment_intent_failed(event) -> None:
    intent, invoice = _intent_and_invoice(event)
    if invoice is None or intent.status in ("succeeded", "processing"):
        return  # paid meanwhile (a later attempt worked): this failure is history
    error = event.payload.get("last_payment_error") or {}
    reason = error.get("message") or "the card was declined."
    if intent.metadata.get("light_charge") != "off_session":
        # The customer is on the pay page and sees the error there; they can try another card.
        services.add_event(invoice, "payment_attempt_failed", f"A payment attempt on the pay page failed: {reason}",
                           ref=event.id)
        db.session.commit()
        return
    if (intent.last_error_code or error.get("code")) == "authentication_required":
        outcomes.needs_action(invoice.id, intent.id)
    else:
        outcomes.failed(invoice.id, intent.id, reason)


def _invoice_paid_by(event, obj: dict):
    """The invoice (of the event's organization only) that a charge or dispute's payment paid."""
    if not obj.get("payment_intent"):
        return None
    return Invoice.query.filter_by(organization_id=event.organization_id,
                                   stripe_payment_intent_id=obj["payment_intent"]).one_or_none()


def charge_refunded(event) -> None:
    charge = event.payload
    invoice = _invoice_paid_by(event, charge) or outcomes.invoice_from_metadata(event.organization_id,
                                                                               charge.get("metadata") or {})
    if invoice is None:
        return
    total = int(charge.get("amount_refunded") or 0)
    # The charge carries the cumulative refunded amount: the growth since what Light knows is new.
    if total > invoice.amount_refunded:
        services.record_refund(invoice, refund_id=f"{charge['id']}-refunded-{total}",
                               amount=total - invoice.amount_refunded, refunded_total=total)
    # Each refund becomes a credit note, once per refund id: the refunds are read from Stripe, so
    # a duplicate, late or out-of-order event finds the same list and adds nothing twice.
    refunds = Collection.of(event.organization_id).gateway.refunds_of_charge(charge["id"])
    credit_notes.for_stripe_refunds(invoice, refunds)


def charge_dispute_created(event) -> None:
    """The customer disputed the payment with their bank: the team must answer it in Stripe."""
    dispute = event.payload
    invoice = _invoice_paid_by(event, dispute)
    if invoice is None:
        return
    amount = int(dispute.get("amount") or 0)
    reason = str(dispute.get("reason") or "not given").replace("_", " ")
    deadline = _evidence_due(dispute)
    by = f" by {deadline}" if deadline else ""
    if services.add_event(invoice, "disputed", f"The customer disputed {format_amount(amount, invoice.currency)} "
                          f"with their bank (reason: {reason}). Answer it in Stripe{by}.", ref=dispute.get("id"),
                          amount=amount):
        if not _closed_already(invoice, dispute.get("id")):  # a late opening changes nothing
            services.set_status(invoice.id, "disputed", only_from=dispute_rules.DISPUTABLE)  # commits the event
        notifications.disputed(invoice, dispute.get("id"), amount, reason, deadline)  # commits the event first


def charge_dispute_closed(event) -> None:
    """The bank decided. A closed dispute's status (won, lost, warning_closed) is final, so the
    event's word is taken as it is; each dispute closes once on the timeline, and a duplicate or
    late delivery changes nothing."""
    dispute = event.payload
    invoice = _invoice_paid_by(event, dispute)
    outcome = dispute.get("status")
    if invoice is None or outcome not in dispute_rules.CLOSED_OUTCOMES or not dispute.get("id"):
        return
    amount = format_amount(int(dispute.get("amount") or 0), invoice.currency)
    if outcome == "lost":
        kind, message = "dispute_lost", (f"The bank decided the dispute ({amount}) for the customer: Stripe "
                                         "keeps the money it took back.")
    else:
        kind, message = "dispute_won", (f"The dispute ({amount}) was closed in your favour: Stripe gives the "
                                        "money back and the invoice stays paid.")
    if not services.add_event(invoice, kind, message, ref=dispute["id"], amount=int(dispute.get("amount") or 0)):
        return
    status = dispute_rules.status_after_close(outcome, status=invoice.status, paid=invoice.amount_paid,
                                              total=invoice.total, credited=invoice.amount_credited)
    # Moved only from the status just read: a payment or credit note meanwhile decides again.
    services.set_status(invoice.id, status, only_from=(invoice.status,))  # commits the event too


def _closed_already(invoice, dispute_id) -> bool:
    return bool(InvoiceEvent.query.filter(InvoiceEvent.invoice_id == invoice.id, InvoiceEvent.ref == dispute_id,
                                          InvoiceEvent.kind.in_(("dispute_won", "dispute_lost"))).count())


def _evidence_due(dispute: dict) -> str | None:
    """Stripe's deadline for the evidence (evidence_details.due_by), as a UTC date, or None when
    Stripe gives none."""
    due_by = (dispute.get("evidence_details") or {}).get("due_by")
    if not isinstance(due_by, int) or isinstance(due_by, bool):
        return None
    return from_unix(due_by).strftime("%d %b %Y")
