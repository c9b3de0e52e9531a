"""Turning a won opportunity into what Light will invoice, or the reason it can't: pure, no Flask,
no database. Everything from Salesforce is untrusted input (names, e-mails, amounts, currencies)."""
from dataclasses import dataclass
from decimal import Decimal

from light.invoices.totals import MAX_AMOUNT, Line, compute
from light.money import exponent, format_amount, is_currency
from light.plumbing.salesforce_gateway.types import Opportunity

MAX_DESCRIPTION = 300
MAX_QUANTITY_MILLI = 10**12


class NeedsAttention(Exception):
    """Why this deal can't be invoiced as it stands: shown under "Needs attention"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:500]


@dataclass(frozen=True)
class PlannedLine:
    description: str
    quantity_milli: int
    unit_price: int


@dataclass(frozen=True)
class Plan:
    email: str
    customer_name: str
    currency: str
    lines: tuple


def to_minor(amount: Decimal, currency: str) -> int:
    """Exactly into minor units (1234.5 USD -> 123450, 1200 JPY -> 1200, 1.234 KWD -> 1234), or
    NeedsAttention when the amount has more decimals than the currency (1200.50 JPY)."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise NeedsAttention(f"The amount {amount} has more decimals than {currency} allows.")
    return int(scaled)


def choose_contact(opportunity: Opportunity) -> tuple[str, str | None]:
    """(e-mail, name): the primary contact role's, else the opportunity's own contact, else the
    only contact role's. NeedsAttention when none of those has an e-mail."""
    with_email = [r for r in opportunity.contact_roles if (r.email or "").strip()]
    primary = [r for r in with_email if r.is_primary]
    if primary:
        return primary[0].email.strip(), primary[0].name
    if (opportunity.contact_email or "").strip():
        return opportunity.contact_email.strip(), opportunity.contact_name
    if len(with_email) == 1:
        return with_email[0].email.strip(), with_email[0].name
    if len(with_email) > 1:
        raise NeedsAttention("Several contact roles have an e-mail and none is primary: mark the primary "
                             "contact in Salesforce.")
    raise NeedsAttention("No contact with an e-mail address: add a primary contact role in Salesforce.")


def currency_of(opportunity: Opportunity, org_currency: str | None) -> str:
    code = (opportunity.currency or org_currency or "").strip().upper()
    if not is_currency(code):
        raise NeedsAttention(f"The currency {code[:10] or '(none)'} can't be charged through Stripe.")
    return code


def lines_of(opportunity: Opportunity, currency: str) -> tuple:
    if opportunity.line_items:
        lines = tuple(_item_line(item, currency) for item in opportunity.line_items)
    else:
        if opportunity.amount is None:
            raise NeedsAttention("The opportunity has neither an Amount nor line items.")
        amount = to_minor(opportunity.amount, currency)
        lines = (PlannedLine(_description(opportunity.name or "Opportunity"), 1000, amount),)
    total = compute([Line(line.quantity_milli, line.unit_price, 0) for line in lines]).total
    if total <= 0:
        raise NeedsAttention("The amount is zero or negative: there is nothing to invoice.")
    if total > MAX_AMOUNT:
        raise NeedsAttention("The amount is too large to invoice.")
    if opportunity.line_items and opportunity.amount is not None:
        amount = to_minor(opportunity.amount, currency)
        if amount != total:
            raise NeedsAttention(f"The line items add up to {format_amount(total, currency)} but the Amount is "
                                 f"{format_amount(amount, currency)}.")
    return lines


def _item_line(item, currency: str) -> PlannedLine:
    name = _description(item.name or "Product")
    if item.quantity is None or item.unit_price is None or item.quantity <= 0 or item.unit_price < 0:
        raise NeedsAttention(f"The line item {name[:80]} has no usable quantity or unit price.")
    if item.discount:
        # Light's lines carry no discount: the discounted total is billed as one unit, saying so.
        if item.total_price is None:
            raise NeedsAttention(f"The line item {name[:80]} has a discount but no total price.")
        described = _description(f"{name} ({item.quantity.normalize():f} × {item.unit_price:f}, "
                                 f"{item.discount.normalize():f}% discount)")
        return PlannedLine(described, 1000, to_minor(item.total_price, currency))
    milli = item.quantity.scaleb(3)
    if milli != milli.to_integral_value() or milli > MAX_QUANTITY_MILLI:
        raise NeedsAttention(f"The quantity of {name[:80]} has more than 3 decimals or is too large.")
    return PlannedLine(name, int(milli), to_minor(item.unit_price, currency))


def _description(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > MAX_DESCRIPTION:
        raise NeedsAttention(f"A name is longer than {MAX_DESCRIPTION} characters: shorten it in Salesforce.")
    return flat


def plan(opportunity: Opportunity, org_currency: str | None) -> Plan:
    """What to invoice for this won opportunity, or NeedsAttention with the reason."""
    currency = currency_of(opportunity, org_currency)
    email, contact_name = choose_contact(opportunity)
    lines = lines_of(opportunity, currency)
    name = " ".join((opportunity.account_name or contact_name or email).split())[:120]
    return Plan(email=email, customer_name=name, currency=currency, lines=lines)
