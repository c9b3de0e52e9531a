"""The phrases a decision's reasons are made of, so every tier words amounts and dates alike."""
from datetime import date

from light.money import format_amount
from light.reconciliation.values import BankLine, OpenInvoice


def money(minor: int, currency: str) -> str:
    return format_amount(minor, currency)


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def timing(on: date, invoice: OpenInvoice) -> str:
    """'paid 3 days after issue', 'paid on the due date', 'paid 12 days after the due date'."""
    if on < invoice.issue_date:
        return f"paid {days((invoice.issue_date - on).days)} before issue"
    if on <= invoice.due_date:
        after = (on - invoice.issue_date).days
        return "paid on the issue date" if after == 0 else f"paid {days(after)} after issue"
    return f"paid {days((on - invoice.due_date).days)} after the due date"


def customer(line: BankLine) -> str:
    known = [value for value in (line.customer, line.customer_email) if value]
    return ", ".join(known) or "no customer"


def labels(invoices) -> str:
    names = [invoice.label for invoice in invoices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def difference(line: BankLine, invoice: OpenInvoice) -> str:
    """'0.50 more than the 120.00 outstanding on INV-0042' (or less, or exactly)."""
    gap = line.amount - invoice.outstanding
    outstanding = money(invoice.outstanding, invoice.currency)
    if gap == 0:
        return f"exactly the {outstanding} outstanding on {invoice.label}"
    side = "more" if gap > 0 else "less"
    return f"{money(abs(gap), line.currency)} {side} than the {outstanding} outstanding on {invoice.label}"
