"""The Refund button: money back to the customer's card through the organization's own Stripe
account, full or partial, for an invoice Stripe collected.

Stripe is written to with an idempotency key made of the invoice, what Light had given back on it
when the page was shown, and the amount: a double click or a retry sends the same key, so Stripe
answers with the first refund instead of making a second one. A page shown before another refund
(or credit note) is refused before Stripe is asked. The refund is then recorded the way the
`charge.refunded` webhook records it (light/invoices/webhooks.py): the charge's refunds read back
from Stripe, one credit note per refund id, so whichever comes first the other adds nothing."""
from dataclasses import dataclass

from light.errors import InvalidInput
from light.extensions import db
from light.invoices import credit_notes, services
from light.invoices.collection import CannotCollect, Collection
from light.invoices.models import CreditNote, Invoice
from light.money import MoneyError, format_amount, parse_amount
from light.plumbing.stripe_gateway import GatewayError, IdempotencyConflict, InvalidRequest, Unreachable

REFUNDABLE_STATUSES = ("paid", "partially_refunded")
MAX_REASON = 300


@dataclass(frozen=True)
class RefundRequest:
    amount: int
    reason: str
    seen: int  # what was given back when the page was shown (the form's refund_after)


def refundable(invoice: Invoice) -> int:
    """What the Refund button may still give back: what was paid, less what refunds and credit
    notes gave back already; 0 when the invoice wasn't collected through Stripe or isn't paid."""
    if (invoice.payment_method != "stripe" or not invoice.stripe_payment_intent_id
            or invoice.status not in REFUNDABLE_STATUSES):
        return 0
    return max(0, invoice.amount_paid - invoice.amount_returned)


def refund_problem(amount: int, *, left: int, currency_text) -> str | None:
    """Why `amount` can't be refunded when `left` may be, or None (pure: plain integers)."""
    if amount <= 0:
        return "Enter an amount above zero."
    if left <= 0:
        return "Nothing is left to refund: what was paid is refunded or credited already."
    if amount > left:
        return f"At most {currency_text(left)}: what was paid, less what is refunded or credited already."
    return None


def clean(form, invoice: Invoice) -> RefundRequest:
    """The amount, reason and page state typed; InvalidInput({field: message}) otherwise."""
    errors: dict[str, str] = {}
    if invoice.status not in REFUNDABLE_STATUSES:
        raise InvalidInput({"refund_amount": "Only a paid invoice can be refunded."})
    if invoice.payment_method != "stripe" or not invoice.stripe_payment_intent_id:
        raise InvalidInput({"refund_amount": "Only a payment Stripe collected can be refunded here: give the money "
                                             "back outside Light, then issue a credit note for it."})
    amount = None
    try:
        amount = parse_amount(form.get("refund_amount", ""), invoice.currency)
    except MoneyError as error:
        errors["refund_amount"] = str(error)
    if amount is not None:
        problem = refund_problem(amount, left=refundable(invoice),
                                 currency_text=lambda minor: format_amount(minor, invoice.currency))
        if problem:
            errors["refund_amount"] = problem
    reason = " ".join((form.get("refund_reason") or "").split())
    if len(reason) > MAX_REASON:
        errors["refund_reason"] = f"Keep the reason to {MAX_REASON} characters."
    elif any(not ch.isprintable() for ch in reason):
        errors["refund_reason"] = "The reason can only hold printable characters."
    seen = (form.get("refund_after") or "").strip()
    if not (seen.isascii() and seen.isdigit() and len(seen) <= 18):
        errors.setdefault("refund_amount", "Reload the page and try again: the form is incomplete.")
    if errors:
        raise InvalidInput(errors)
    return RefundRequest(amount, reason, int(seen))


class RefundChanged(InvalidInput):
    """The invoice was refunded or credited since the page was shown (a second click, another
    tab): nothing was sent to Stripe."""


def refund(invoice: Invoice, form, *, refunded_by: str) -> CreditNote | None:
    """Refund through Stripe and record it. InvalidInput when the input is wrong (Stripe isn't
    asked) or Stripe said no (nothing written either way). Returns the refund's credit note (None
    when what was paid is credited already by hand)."""
    request = clean(form, invoice)
    if request.seen != invoice.amount_returned:
        raise RefundChanged({"refund_amount": "Nothing refunded: the invoice was refunded or credited meanwhile. "
                                              "Check what is left and try again."})
    key = f"refund:{invoice.id}:after-{request.seen}:{request.amount}"
    try:
        gateway = Collection.of(invoice.organization_id).gateway
        made = gateway.refund(payment_intent_id=invoice.stripe_payment_intent_id, amount=request.amount,
                              idempotency_key=key)
    except CannotCollect as error:
        raise InvalidInput({"refund_amount": f"Nothing refunded: {error.message}"}) from None
    except IdempotencyConflict:
        raise InvalidInput({"refund_amount": "Nothing refunded: a refund of another amount was just asked for "
                                             "on this invoice. Reload the page and check."}) from None
    except InvalidRequest as refused:
        raise InvalidInput({"refund_amount": f"Stripe refused the refund: {refused.message}"}) from None
    except Unreachable:
        # Stripe saves a 5xx under the key and replays it for a day, and whether it refunded is
        # unknown: if it did, the charge.refunded event records it like any other refund.
        raise InvalidInput({"refund_amount": "Stripe had an error, so nothing is recorded. If Stripe did refund, "
                                             "the refund and its credit note appear here within minutes; check "
                                             "the timeline before trying again."}) from None
    except GatewayError as error:
        raise InvalidInput({"refund_amount": f"Nothing refunded: {error.message}"}) from None
    if made.status not in credit_notes.REFUNDED_STATES:
        raise InvalidInput({"refund_amount": f"Stripe didn't refund it (the refund is {made.status})."})
    _record(invoice, made, request, refunded_by)
    return CreditNote.query.filter_by(organization_id=invoice.organization_id, stripe_refund_id=made.id).one_or_none()


def _record(invoice: Invoice, made, request: RefundRequest, refunded_by: str) -> None:
    """As the charge.refunded webhook does: the charge's refunded total grows once (the timeline's
    ref is the same as the webhook's) and each refund gets its credit note once."""
    amount = format_amount(made.amount, invoice.currency)
    message = f"Refunded {amount} through Stripe by {refunded_by}" + (f": {request.reason}" if request.reason else ".")
    try:
        refunds = Collection.of(invoice.organization_id).gateway.refunds_of_charge(made.charge_id)
        total = sum(r.amount for r in refunds if r.status in credit_notes.REFUNDED_STATES)
    except GatewayError:  # the refund stands; the webhook brings the charge's refunded total
        refunds, total = [made], 0
    db.session.refresh(invoice)
    if total > invoice.amount_refunded:
        services.record_refund(invoice, refund_id=f"{made.charge_id}-refunded-{total}",
                               amount=total - invoice.amount_refunded, refunded_total=total, message=message)
    credit_notes.for_stripe_refunds(invoice, refunds, reasons={made.id: request.reason}, issued_by=refunded_by)
