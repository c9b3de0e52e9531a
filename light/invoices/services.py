"""Sales invoices: plain values in, commit, domain errors out. Stripe collection lives in
charging.py, checkout.py and outcomes.py, and the e-mails in notify.py; this module drafts,
numbers, issues and settles."""
import secrets
from datetime import date

from sqlalchemy.exc import IntegrityError

from light.auth.models import Organization
from light.customers import services as customers
from light.customers.models import Customer
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.ids import parse_id
from light.invoices.forms import LineInput, clean_invoice, new_customer_currency
from light.invoices.models import OPEN_STATUSES, Invoice, InvoiceCounter, InvoiceEvent, InvoiceLine
from light.invoices.totals import compute, stripe_charge_problem
from light.money import format_amount
from light.notifications import events as notifications
from light.utc import utcnow
from light.workflows.services import stripe_gate


# -- drafting ---------------------------------------------------------------------------------
def resolve_customer(organization_id: int, form, errors: dict) -> Customer | None:
    """The chosen customer, or a new one from the form's "New customer" fields (flushed, not
    committed: it is saved with the invoice or contract, or not at all)."""
    choice = (form.get("customer_id") or "").strip()
    if choice == "new":
        try:
            return customers.create_customer(organization_id, form, prefix="new_customer_", commit=False)
        except InvalidInput as failed:
            errors.update(failed.errors)
            return None
    customer_id = parse_id(choice)
    customer = None
    if customer_id is not None:
        customer = Customer.query.filter_by(organization_id=organization_id, id=customer_id).one_or_none()
    if customer is None:
        errors["customer_id"] = "Choose a customer, or add a new one."
    return customer


def _apply(invoice: Invoice, values: dict, lines: list[LineInput]) -> None:
    for key, value in values.items():
        setattr(invoice, key, value)
    totals = compute([line.as_line() for line in lines])
    invoice.lines = [InvoiceLine(position=i, description=line.description, quantity_milli=line.quantity_milli,
                                 unit_price=line.unit_price, tax_rate=line.tax_rate, net=amounts.net,
                                 tax=amounts.tax)
                     for i, (line, amounts) in enumerate(zip(lines, totals.lines, strict=True))]
    invoice.subtotal, invoice.tax_total, invoice.total = totals.subtotal, totals.tax, totals.total


def _validate(organization_id: int, form):
    errors: dict = {}
    customer = resolve_customer(organization_id, form, errors)
    customer_currency = customer.currency if customer else new_customer_currency(form)
    values, lines, line_errors = clean_invoice(form, customer_currency=customer_currency)
    errors.update(line_errors)
    if values["payment_method"] == "stripe":
        if not stripe_gate(organization_id).ok:
            errors["payment_method"] = "Stripe isn't ready to collect payments yet: see the note below."
        elif lines and "currency" not in errors:
            problem = stripe_charge_problem(compute([line.as_line() for line in lines]).total, values["currency"])
            if problem:
                errors["lines"] = problem
    if errors:
        db.session.rollback()  # drops a new customer flushed above
        raise InvalidInput(errors)
    return customer, values, lines


def create_invoice(organization_id: int, form) -> Invoice:
    customer, values, lines = _validate(organization_id, form)
    invoice = Invoice(organization_id=organization_id, customer=customer, pay_token=new_token())
    _apply(invoice, values, lines)
    db.session.add(invoice)
    db.session.commit()
    return invoice


def update_draft(invoice: Invoice, form) -> Invoice:
    if invoice.status != "draft":
        raise Refused("Only drafts can be changed; this invoice is already issued.")
    customer, values, lines = _validate(invoice.organization_id, form)
    invoice.customer = customer
    _apply(invoice, values, lines)
    db.session.commit()
    return invoice


def delete_draft(invoice: Invoice) -> None:
    """Only while it is a draft: an Issue clicked at the same moment wins, and the invoice stays."""
    if invoice.status != "draft":
        raise Refused("Only drafts can be deleted; void an issued invoice instead.")
    invoice_id = invoice.id
    db.session.expunge(invoice)
    if not db.session.query(Invoice).filter(Invoice.id == invoice_id, Invoice.status == "draft").update(
            {"status": "deleting"}, synchronize_session=False):
        db.session.rollback()
        raise Refused("This invoice was issued meanwhile; void it instead.")
    for model in (InvoiceLine, InvoiceEvent):
        db.session.query(model).filter(model.invoice_id == invoice_id).delete(synchronize_session=False)
    db.session.query(Invoice).filter(Invoice.id == invoice_id).delete(synchronize_session=False)
    db.session.commit()


def new_token() -> str:
    return secrets.token_urlsafe(32)


# -- issuing ----------------------------------------------------------------------------------
def issue(invoice_id: int, organization_id: int) -> bool:
    """Number the draft and mark it issued, in ONE transaction with the counter row, so issued
    invoices have no gaps. Returns False (having changed nothing) when someone already issued it,
    e.g. a double-clicked Issue button: only the winner goes on to Stripe and e-mail."""
    invoice = Invoice.query.filter_by(id=invoice_id, organization_id=organization_id).one_or_none()
    if invoice is None:
        raise Refused("No such invoice.")
    if invoice.status != "draft":
        return False
    if invoice.payment_method == "stripe":
        # Every way of issuing (Issue, contract billing) passes the same gate: a Stripe invoice
        # issued while Stripe can't collect would e-mail the customer a dead pay link.
        gate = stripe_gate(organization_id)
        if not gate.ok:
            raise Refused(gate.message)
        problem = stripe_charge_problem(invoice.total, invoice.currency)
        if problem:
            raise Refused(problem)
    now = utcnow()
    # Issued already past its due date (a back-dated invoice or contract period): Overdue at once,
    # not at the clock's next pass.
    status = "overdue" if invoice.due_date < now.date() else "issued"
    claimed = db.session.query(Invoice).filter(Invoice.id == invoice_id, Invoice.status == "draft").update(
        {"status": status, "issued_at": now}, synchronize_session=False)
    if not claimed:
        db.session.rollback()
        return False
    number = next_number(organization_id)
    prefix = db.session.query(Organization.invoice_prefix).filter_by(id=organization_id).scalar() or "INV-"
    db.session.query(Invoice).filter(Invoice.id == invoice_id).update(
        {"number": f"{prefix}{number:04d}"}, synchronize_session=False)
    db.session.commit()
    db.session.refresh(invoice)
    add_event(invoice, "issued", f"Issued as {invoice.number}, due {invoice.due_date:%d %b %Y}.")
    db.session.commit()
    return True


def next_number(organization_id: int, series: str = "last_number") -> int:
    """Increment the organization's counter (`series`: invoices' or credit notes') inside the
    caller's transaction (the UPDATE takes the row lock on PostgreSQL and the write lock on SQLite
    until commit)."""
    column = getattr(InvoiceCounter, series)
    bumped = db.session.query(InvoiceCounter).filter_by(organization_id=organization_id).update(
        {series: column + 1}, synchronize_session=False)
    if not bumped:
        try:
            with db.session.begin_nested():
                db.session.add(InvoiceCounter(organization_id=organization_id,
                                              **{"last_number": 0, "last_credit_note_number": 0, series: 1}))
            return 1
        except IntegrityError:  # another transaction created it first
            db.session.query(InvoiceCounter).filter_by(organization_id=organization_id).update(
                {series: column + 1}, synchronize_session=False)
    return db.session.query(column).filter_by(organization_id=organization_id).scalar()


def void(invoice: Invoice) -> None:
    if invoice.status not in OPEN_STATUSES:
        raise Refused("Only an issued invoice that isn't paid can be voided.")
    if invoice.amount_paid:
        raise Refused("This invoice has payments recorded; refund them before voiding it.")
    # Claimed with one conditional update: of two Void clicks (or a Void and a payment) one wins.
    claimed = db.session.query(Invoice).filter(
        Invoice.id == invoice.id, Invoice.status.in_(OPEN_STATUSES), Invoice.amount_paid == 0).update(
        {"status": "void"}, synchronize_session=False)
    if not claimed:
        db.session.rollback()
        raise Refused("This invoice changed meanwhile (paid or voided already): nothing was voided.")
    add_event(invoice, "voided", "Voided: the pay link no longer takes payments.", ref="voided")
    db.session.commit()
    db.session.refresh(invoice)


# -- payments ---------------------------------------------------------------------------------
def settle(invoice_id: int, *, amount: int, ref: str, message: str, within_due: bool = False) -> bool:
    """Record a payment once per `ref` (a Stripe PaymentIntent id, or a bank transfer's note) and
    move the invoice to paid or partially paid. Returns True for the call that recorded it, so
    exactly one caller sends the receipt however many webhooks arrive. `within_due`: a payment the
    team types in must fit what is still due, also when another one was recorded meanwhile (a
    payment Stripe took is recorded whatever it was: the money arrived)."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    if invoice is None or invoice.status in ("draft", "void"):
        return False
    if within_due and invoice.amount_paid + amount > invoice.total:
        return False
    if not add_event(invoice, "payment", message, ref=ref, amount=amount):
        db.session.rollback()
        return False
    paid = invoice.amount_paid + amount
    status = "paid" if paid >= invoice.total else "partially_paid"
    claimed = db.session.query(Invoice).filter(
        Invoice.id == invoice_id, Invoice.amount_paid == invoice.amount_paid).update(
        {"amount_paid": paid, "status": status, "paid_at": utcnow() if status == "paid" else None,
         **({"stripe_payment_intent_id": ref} if ref.startswith("pi_") else {})}, synchronize_session=False)
    if not claimed:  # a concurrent payment moved the amount: retry against the new figure
        db.session.rollback()
        return settle(invoice_id, amount=amount, ref=ref, message=message, within_due=within_due)
    db.session.commit()
    db.session.refresh(invoice)
    if status == "paid":
        notifications.invoice_paid(invoice, ref)
    return True


PAYMENT_WAYS = {"bank_transfer": "Bank transfer", "cash": "Cash", "cheque": "Cheque",
                "card": "Card (outside Stripe)", "other": "Other"}
MANUAL_REF = "manual-"


def record_bank_payment(invoice: Invoice, amount: int, paid_on: date, *, method: str = "bank_transfer",
                        reference: str = "", recorded_by: str | None = None) -> bool:
    """A payment the team received outside Stripe. The ref ties it to what was due when it was
    typed, so a double click records it once."""
    if invoice.status not in OPEN_STATUSES:
        raise Refused("Payments can only be recorded against an issued, unpaid invoice.")
    if amount <= 0:
        raise Refused("Enter an amount above zero.")
    if amount > invoice.amount_due:
        raise Refused("That is more than the amount due.")
    ref = f"{MANUAL_REF}{invoice.id}-{invoice.amount_paid}-{amount}-{paid_on.isoformat()}"
    how = PAYMENT_WAYS.get(method, PAYMENT_WAYS["other"])
    message = (f"Payment of {format_amount(amount, invoice.currency)} received on {paid_on:%d %b %Y} ({how}"
               + (f", reference {reference}" if reference else "")
               + (f"), recorded by {recorded_by}." if recorded_by else "), recorded by the team."))
    return settle(invoice.id, amount=amount, ref=ref, within_due=True, message=message)


def undoable_payments(invoice: Invoice) -> set[int]:
    """The timeline's payments the team typed in and hasn't undone: Stripe's can't be undone here
    (a refund does that)."""
    reversed_refs = {event.ref for event in invoice.events if event.kind == "payment_reversed"}
    return {event.id for event in invoice.events
            if event.kind == "payment" and (event.ref or "").startswith(MANUAL_REF) and event.amount
            and event.ref not in reversed_refs}


def undo_payment(invoice: Invoice, event_id: int, *, undone_by: str | None = None) -> None:
    """Take a typed-in payment back off the invoice: the amount paid drops by exactly that payment
    and the status follows (Overdue again if the due date has passed). The timeline keeps both."""
    db.session.refresh(invoice)
    if event_id not in undoable_payments(invoice):
        raise Refused("That payment can't be undone: it came through Stripe, or it was undone already.")
    event = next(e for e in invoice.events if e.id == event_id)
    if invoice.status == "void" or event.amount > invoice.amount_paid - invoice.amount_returned:
        raise Refused("That payment can't be undone now: the invoice changed since.")
    message = (f"Payment of {format_amount(event.amount, invoice.currency)} undone"
               + (f" by {undone_by}." if undone_by else "."))
    if not reverse_payment(invoice.id, amount=event.amount, ref=event.ref, message=message):
        raise Refused("That payment can't be undone: it was undone already.")
    db.session.refresh(invoice)


def reverse_payment(invoice_id: int, *, amount: int, ref: str, message: str) -> bool:
    """Take back a payment recorded by `settle` under `ref` (Bank Reconciliation's Unmatch): the
    amount comes off what was paid and the invoice is open again. The timeline keeps both events.
    Returns False when there is no such payment or it was reversed already."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    if invoice is None or not InvoiceEvent.query.filter_by(invoice_id=invoice_id, kind="payment", ref=ref).count():
        return False
    if not add_event(invoice, "payment_reversed", message, ref=ref, amount=amount):
        db.session.rollback()
        return False
    paid = max(0, invoice.amount_paid - amount)
    status = invoice.status
    if status in ("paid", "partially_paid", "overdue", "issued", "partially_refunded", "refunded"):
        status = "partially_paid" if paid else ("overdue" if invoice.due_date < utcnow().date() else "issued")
    claimed = db.session.query(Invoice).filter(
        Invoice.id == invoice_id, Invoice.amount_paid == invoice.amount_paid).update(
        {"amount_paid": paid, "status": status, "paid_at": None}, synchronize_session=False)
    if not claimed:  # a concurrent payment moved the amount: retry against the new figure
        db.session.rollback()
        return reverse_payment(invoice_id, amount=amount, ref=ref, message=message)
    db.session.commit()
    db.session.refresh(invoice)
    return True


def set_status(invoice_id: int, status: str, *, only_from=OPEN_STATUSES) -> bool:
    """Move an unpaid invoice to `status`; a paid or void one never moves back."""
    changed = db.session.query(Invoice).filter(Invoice.id == invoice_id, Invoice.status.in_(only_from)).update(
        {"status": status}, synchronize_session=False)
    db.session.commit()
    return bool(changed)


def record_refund(invoice: Invoice, *, refund_id: str, amount: int, refunded_total: int,
                  message: str | None = None) -> bool:
    """Stripe reports the charge's cumulative refunded amount; keep the largest seen, so events
    arriving out of order can't lower it."""
    new = add_event(invoice, "refunded", message or f"Refunded {format_amount(amount, invoice.currency)} through "
                    "Stripe.", ref=refund_id, amount=amount)
    if refunded_total > invoice.amount_refunded:
        invoice.amount_refunded = min(refunded_total, invoice.amount_paid or refunded_total)
    db.session.commit()
    return new


# -- timeline ---------------------------------------------------------------------------------
def add_event(invoice: Invoice, kind: str, message: str, *, ref: str | None = None,
              amount: int | None = None) -> bool:
    """Add to the timeline (not committed). With a `ref`, a second identical event is refused:
    returns False."""
    try:
        with db.session.begin_nested():
            db.session.add(InvoiceEvent(organization_id=invoice.organization_id, invoice_id=invoice.id,
                                        kind=kind, message=message[:500], ref=ref, amount=amount))
        return True
    except IntegrityError:
        return False


# -- queries ----------------------------------------------------------------------------------
def count_awaiting_stripe_payment(organization_id: int) -> int:
    """Issued Stripe invoices still waiting for their money (the integrations page warns with it
    before Stripe is removed)."""
    return Invoice.query.filter(Invoice.organization_id == organization_id, Invoice.payment_method == "stripe",
                                Invoice.status.in_(OPEN_STATUSES)).count()


def mark_overdue(today: date) -> int:
    changed = db.session.query(Invoice).filter(Invoice.status.in_(("issued", "partially_paid")),
                                               Invoice.due_date < today).update(
        {"status": "overdue"}, synchronize_session=False)
    db.session.commit()
    return changed
