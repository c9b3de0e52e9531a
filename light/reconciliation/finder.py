"""Manual match's search: the organization's open invoices in the line's currency, found by number,
customer (name or e-mail) or amount (what is due, or the total); with nothing typed, the ones due
exactly the line's amount first; for a refund or dispute, the invoices paid something, the ones paid
exactly the amount first. And reading the Manual match form."""
from sqlalchemy import case, or_

from light.banking.models import BankTransaction
from light.customers.models import Customer
from light.errors import InvalidInput
from light.ids import parse_id
from light.invoices.models import OPEN_STATUSES, Invoice
from light.money import MoneyError, parse_amount
from light.reconciliation.services import Allocation, refunds_an_invoice

SHOWN = 20
MAX_QUERY = 100


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_invoices(line: BankTransaction, text: str = "") -> list[Invoice]:
    """Open invoices for money in; for a refund or dispute, the invoices that were paid something."""
    text = (text or "").replace("\x00", "").strip()[:MAX_QUERY]
    if refunds_an_invoice(line):
        due = Invoice.amount_paid
        mine = [Invoice.amount_paid > 0]
    else:
        due = Invoice.total - Invoice.amount_paid
        mine = [Invoice.status.in_(OPEN_STATUSES)]
    query = (Invoice.query.join(Customer, Customer.id == Invoice.customer_id)
             .filter(Invoice.organization_id == line.organization_id, Invoice.currency == line.currency, *mine))
    if text:
        like = _like(text)
        found = [Invoice.number.ilike(like, escape="\\"), Customer.name.ilike(like, escape="\\"),
                 Customer.email.ilike(like, escape="\\")]
        try:
            amount = parse_amount(text, line.currency)
            found += [due == amount, Invoice.total == amount]
        except MoneyError:
            pass
        query = query.filter(or_(*found))
    exact = case((due == abs(line.amount), 0), else_=1)
    return query.order_by(exact, Invoice.due_date, Invoice.id).limit(SHOWN).all()


def read_match_form(line: BankTransaction, form) -> tuple[list[Allocation], str | None]:
    """The chosen invoices with their amounts, or the category. Raises InvalidInput per field."""
    category = (form.get("category") or "").strip()
    chosen = form.getlist("invoice")
    if category and chosen:
        raise InvalidInput({"category": "Choose invoices or a category, not both."})
    if category:
        return [], category
    allocations, errors = [], {}
    for raw in chosen:
        invoice_id = parse_id(raw)
        if invoice_id is None:
            errors["invoices"] = "That invoice is not one of yours."
            continue
        try:
            allocations.append(Allocation(invoice_id, parse_amount(form.get(f"amount-{invoice_id}", ""),
                                                                   line.currency)))
        except MoneyError as exc:
            errors[f"amount-{invoice_id}"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return allocations, None
