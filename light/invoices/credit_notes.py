"""Credit notes: money given back against an invoice's payment, each a numbered document.

A Stripe refund makes one by itself (light/invoices/webhooks.py, once per Stripe refund id however
often and in whatever order Stripe's events arrive); the team issues one by hand for money returned
outside Stripe. The rules on plain integers are in credit_rules.py."""
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from light.auth.models import Organization
from light.errors import InvalidInput
from light.extensions import db
from light.invoices import credit_rules
from light.invoices.models import CreditNote, Invoice
from light.invoices.services import add_event, next_number
from light.money import MoneyError, format_amount, parse_amount
from light.utc import utcnow

MAX_REASON = 300
REFUNDED_STATES = ("succeeded", "pending")  # a failed or canceled refund gave nothing back


@dataclass(frozen=True)
class ManualCredit:
    amount: int
    reason: str


def clean_manual_credit(form, invoice: Invoice) -> ManualCredit:
    """The amount and reason typed on the invoice page, checked against what may still be
    credited; InvalidInput({field: message}) otherwise."""
    errors: dict[str, str] = {}
    amount = None
    try:
        amount = parse_amount(form.get("credit_amount", ""), invoice.currency)
    except MoneyError as error:
        errors["credit_amount"] = str(error)
    if amount is not None:
        problem = credit_rules.manual_credit_problem(
            amount, paid=invoice.amount_paid, credited=invoice.amount_credited,
            currency_text=lambda minor: format_amount(minor, invoice.currency))
        if problem:
            errors["credit_amount"] = problem
    reason = " ".join((form.get("credit_reason") or "").split())
    if not reason:
        errors["credit_reason"] = "Say why the money goes back (the customer reads it on the credit note)."
    elif len(reason) > MAX_REASON:
        errors["credit_reason"] = f"Keep the reason to {MAX_REASON} characters."
    elif any(not ch.isprintable() for ch in reason):
        errors["credit_reason"] = "The reason can only hold printable characters."
    if invoice.status in ("draft", "void"):
        errors["credit_amount"] = "Only an issued invoice that was paid can be credited."
    if errors:
        raise InvalidInput(errors)
    return ManualCredit(amount, reason)


def issue_by_hand(invoice: Invoice, form, *, issued_by: str) -> CreditNote:
    credit = clean_manual_credit(form, invoice)
    note = _issue(invoice.id, amount=credit.amount, reason=credit.reason, issued_by=issued_by,
                  manual=True)
    if note is None:  # another credit note took what was left meanwhile
        db.session.expire_all()
        raise InvalidInput({"credit_amount": "Nothing issued: the invoice was credited meanwhile; check the "
                                             "amount left and try again."})
    return note


def for_stripe_refunds(invoice: Invoice, refunds, *, reasons: dict | None = None,
                       issued_by: str | None = None) -> list[CreditNote]:
    """One credit note per Stripe refund of the invoice's payment (gateway Refunds, newest first as
    Stripe lists them): those already credited are skipped, so a duplicate or late event adds none.
    `reasons` (refund id -> text) and `issued_by`: a refund the team made with the Refund button."""
    made = []
    for refund in reversed(list(refunds)):
        if refund.status not in REFUNDED_STATES or refund.currency.upper() != invoice.currency:
            continue
        if CreditNote.query.filter_by(organization_id=invoice.organization_id, stripe_refund_id=refund.id).count():
            continue
        note = _issue(invoice.id, amount=refund.amount, stripe_refund_id=refund.id,
                      reason=(reasons or {}).get(refund.id) or "Refund through Stripe", issued_by=issued_by)
        if note is not None:
            made.append(note)
    return made


def _issue(invoice_id: int, *, amount: int, reason: str, stripe_refund_id: str | None = None,
           issued_by: str | None = None, manual: bool = False) -> CreditNote | None:
    """Number the credit note from the organization's own series and add it to the invoice, in
    ONE transaction with the counter row and the invoice's credited amount. None when nothing is
    issued: this Stripe refund has its note already, or nothing is left to credit."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    paid, credited = invoice.amount_paid, invoice.amount_credited
    amount = _amount(invoice, amount, manual=manual, stripe_refund_id=stripe_refund_id)
    if not amount:
        return None
    prefix = db.session.query(Organization.credit_note_prefix).filter_by(id=invoice.organization_id).scalar()
    number = credit_rules.number(prefix, next_number(invoice.organization_id, "last_credit_note_number"))
    note = CreditNote(organization_id=invoice.organization_id, invoice_id=invoice.id, number=number,
                      currency=invoice.currency, amount=amount, reason=reason, stripe_refund_id=stripe_refund_id,
                      issued_by=issued_by, issue_date=utcnow().date())
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:  # the same refund, credited by a concurrent delivery of its event
        db.session.rollback()
        return None
    status = credit_rules.status_after(invoice.status, paid=paid, credited=credited + amount)
    claimed = db.session.query(Invoice).filter(
        Invoice.id == invoice_id, Invoice.amount_credited == credited).update(
        {"amount_credited": credited + amount, "status": status}, synchronize_session=False)
    if not claimed:  # a concurrent credit note moved the figure: decide again against it
        db.session.rollback()
        return _issue(invoice_id, amount=amount, reason=reason, stripe_refund_id=stripe_refund_id,
                      issued_by=issued_by, manual=manual)
    how = (f"for a refund through Stripe ({stripe_refund_id})" if stripe_refund_id
           else f"by {issued_by}: {reason}")
    if stripe_refund_id and issued_by:
        how += f", made by {issued_by}"
    add_event(invoice, "credit_note", f"Credit note {number} for {format_amount(amount, invoice.currency)} issued "
              f"{how}.", ref=number, amount=amount)
    db.session.commit()
    db.session.refresh(invoice)
    return note


def _amount(invoice: Invoice, amount: int, *, manual: bool, stripe_refund_id: str | None) -> int:
    """What this credit note is for, against the invoice as it is now; 0 for none."""
    paid, credited = invoice.amount_paid, invoice.amount_credited
    if manual:
        problem = credit_rules.manual_credit_problem(amount, paid=paid, credited=credited, currency_text=str)
        return 0 if problem else amount
    credit = credit_rules.credit_for_refund(amount, paid=paid, credited=credited)
    if credit == 0 and add_event(invoice, "refund_credited_already", "A Stripe refund needs no credit note: what "
                                 "was paid is credited already.", ref=stripe_refund_id):
        db.session.commit()
    return credit
