"""The rules of credit notes, on plain integers (minor units of the invoice's currency): how they
are numbered, how much may be credited, and what the invoice's status becomes.

A credit note records money given back to the customer against a payment of the invoice: a
refund through Stripe (one credit note per Stripe refund, made by itself), or one the team issues
by hand for money returned outside Stripe. So what is credited never exceeds what was paid."""

DEFAULT_PREFIX = "CN-"
# A paid invoice that money went back on; an open one keeps its status (it is still owed).
SETTLED = ("paid", "partially_refunded", "refunded")


def number(prefix: str, sequence: int) -> str:
    """`CN-0001`: the organization's credit-note prefix and its own series, apart from invoices'."""
    if sequence < 1:
        raise ValueError("credit note numbers start at 1")
    return f"{prefix or DEFAULT_PREFIX}{sequence:04d}"


def creditable(paid: int, credited: int) -> int:
    """What may still be credited: what was paid, less what credit notes already gave back."""
    return max(0, paid - credited)


def manual_credit_problem(amount: int, *, paid: int, credited: int, currency_text) -> str | None:
    """Why a credit note typed by the team can't be issued, or None. `currency_text` formats an
    amount for the message (the rule itself stays on integers)."""
    if amount <= 0:
        return "Enter an amount above zero."
    left = creditable(paid, credited)
    if left == 0:
        return "Nothing is left to credit: what was paid is credited already."
    if amount > left:
        return f"At most {currency_text(left)}: what was paid, less what is credited already."
    return None


def credit_for_refund(refund_amount: int, *, paid: int, credited: int) -> int:
    """A Stripe refund is a fact (the money went back), but its credit note covers only what isn't
    credited already (by a note typed by hand for the same money, say): 0 means no credit note."""
    return min(max(0, refund_amount), creditable(paid, credited))


def status_after(status: str, *, paid: int, credited: int) -> str:
    """Refunded once credit notes cover the whole payment, Partly refunded before; an invoice
    that is still open (not fully paid) or void keeps its status."""
    if status not in SETTLED or paid <= 0:
        return status
    if credited >= paid:
        return "refunded"
    if credited > 0:
        return "partially_refunded"
    return "paid"
