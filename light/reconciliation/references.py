"""T2-T4: a reference, a customer or an amount that points at exactly one invoice.

T2 links the one open invoice whose number is named; T3 links the customer's one invoice for
exactly the amount within its dates; T4 suggests the one invoice of any customer for exactly the
amount within a few days. Never across currencies; two fitting invoices are a question."""
from datetime import timedelta

from light.reconciliation.candidates import Candidates, line_customer_keys
from light.reconciliation.values import BankLine, Decision, OpenInvoice, Settlement, linked, suggested
from light.reconciliation.wording import customer, labels, money, timing

CUSTOMER_WINDOW = (10, 60)  # T3, T5-T7: issue date -10 days to due date +60 days
ANY_CUSTOMER_WINDOW = (3, 15)  # T4: issue date -3 days to due date +15 days


def is_payment(line: BankLine) -> bool:
    return line.kind == "charge" and line.amount > 0


def within(line: BankLine, invoice: OpenInvoice, window: tuple[int, int]) -> bool:
    before, after = window
    return invoice.issue_date - timedelta(days=before) <= line.created <= invoice.due_date + timedelta(days=after)


def payment(line: BankLine, invoice: OpenInvoice, amount: int | None = None) -> Settlement:
    return Settlement(amount=line.amount if amount is None else amount, invoice_id=invoice.id)


def contradicts(line: BankLine, invoice: OpenInvoice) -> bool:
    """The line's e-mail and the invoice's e-mails are both known and none agrees, nor does the
    Stripe customer: a payment link opened by someone else (a Stripe customer id alone proves
    little, since a guest checkout makes a new one each time)."""
    if not line.customer_email or not invoice.customer_emails:
        return False
    if line.customer and line.customer == invoice.stripe_customer_id:
        return False
    return line.customer_email.strip().casefold() not in {e.strip().casefold() for e in invoice.customer_emails}


def texts(line: BankLine) -> list[str]:
    return [line.description, *(str(value) for value in line.metadata.values())]


def invoice_number(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T2: the one open invoice in the line's currency named as a whole token, amount <= outstanding."""
    if not is_payment(line):
        return None
    named = pool.named_in(texts(line))
    fitting = []
    for invoice in named:
        if invoice.currency != line.currency:
            notes.append(f"{invoice.label} is named, but it is in {invoice.currency}, not {line.currency}")
        elif invoice.outstanding == 0:
            notes.append(f"{invoice.label} is named, but nothing is outstanding on it")
        elif contradicts(line, invoice):
            notes.append(f"{invoice.label} is named, but it is another customer's ({customer(line)} paid)")
        else:
            fitting.append(invoice)
    if len(fitting) > 1:
        notes.append(f"{len(fitting)} open invoices are named ({labels(fitting)})")
        return None
    if not fitting:
        return None
    invoice = fitting[0]
    outstanding = money(invoice.outstanding, invoice.currency)
    if line.amount > invoice.outstanding:
        notes.append(f"{invoice.label} is named, but {money(line.amount, line.currency)} is more than "
                     f"its {outstanding} outstanding")
        return None
    share = "all" if line.amount == invoice.outstanding else f"{money(line.amount, line.currency)}"
    return linked("T2", [payment(line, invoice)], f"{invoice.label} is named in the payment's reference",
                  f"{share} of the {outstanding} outstanding, {timing(line.created, invoice)}")


def same_customer(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T3: the customer's one invoice with exactly the amount outstanding, within its dates."""
    if not is_payment(line) or not line_customer_keys(line):
        return None
    exact = [invoice for invoice in pool.of_customer(line) if invoice.outstanding == line.amount]
    fitting = [invoice for invoice in exact if within(line, invoice, CUSTOMER_WINDOW)]
    for invoice in exact:
        if invoice not in fitting:
            notes.append(f"{invoice.label} of the same customer is for exactly {money(line.amount, line.currency)}, "
                         f"but was {timing(line.created, invoice)}: outside -10 days to +60 days")
    if not fitting:
        return None
    invoice = fitting[0]
    reasons = (f"Same customer ({customer(line)}), exactly the {money(line.amount, line.currency)} outstanding "
               f"on {invoice.label}, {timing(line.created, invoice)}",)
    if len(fitting) == 1:
        return linked("T3", [payment(line, invoice)], *reasons)
    return suggested("T3", [payment(line, invoice)], *reasons,
                     f"{len(fitting)} of this customer's invoices are for exactly this amount "
                     f"({labels(fitting)}): the oldest is suggested")


def exact_amount(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T4: any customer's one invoice with exactly the amount outstanding, -3/+15 days."""
    if not is_payment(line):
        return None
    before, after = ANY_CUSTOMER_WINDOW
    fitting = pool.with_amount(line.currency, line.amount, line.created, before=before, after=after)
    if len(fitting) > 1:
        notes.append(f"{len(fitting)} open invoices of different customers are for exactly "
                     f"{money(line.amount, line.currency)} around this date ({labels(fitting[:5])})")
    if len(fitting) != 1:
        return None
    invoice = fitting[0]
    return suggested("T4", [payment(line, invoice)],
                     f"The only open invoice for exactly {money(line.amount, line.currency)} around this date: "
                     f"{invoice.label}, {timing(line.created, invoice)}",
                     f"The customer is not known to match ({customer(line)} paid)")
