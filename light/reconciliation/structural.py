"""T0 and T1: what the data says outright. A payout or a fee is what it is (T0); a Stripe payment
intent recorded on an invoice, or Light's own metadata naming this organization's invoice, is that
invoice's payment, and a refund or dispute follows its charge (T1). Only T1 crosses currencies, and
only with the exchange rate Stripe applied."""
from fractions import Fraction

from light.money import exponent
from light.reconciliation.candidates import Candidates
from light.reconciliation.values import BankLine, Decision, OpenInvoice, Settlement, linked, unmatched
from light.reconciliation.wording import labels, money

_FOLLOWS = {"refund": "refunds", "dispute": "disputes"}


def structural(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T0: a payout is a transfer to the bank once its components sum exactly to it; a fee is a
    Stripe fee; an "other" line is not a payment and is left for a person."""
    if line.kind == "fee":
        return linked("T0", [Settlement(amount=abs(line.amount), category="stripe_fees", effect="booking")],
                      f"A Stripe fee of {money(abs(line.amount), line.currency)}: booked to Stripe fees")
    if line.kind == "other":
        return unmatched("T0", "Not a payment, refund, dispute, fee or payout: left for a person to book")
    if line.kind == "payout":
        return _payout(line)
    return None


def _payout(line: BankLine) -> Decision:
    carried = len(line.payout_components)
    if not carried:
        return unmatched("T0", "Stripe has not yet listed the transactions this payout carries")
    total = sum(component.amount for component in line.payout_components)
    paid_out = -line.amount
    if total != paid_out:
        gap = money(abs(total - paid_out), line.currency)
        return unmatched("T0", f"Its {carried} transactions sum to {money(total, line.currency)}, but the payout is "
                               f"{money(paid_out, line.currency)}: {gap} apart")
    return linked("T0", [Settlement(amount=abs(line.amount), category="transfer", effect="booking")],
                  f"A transfer to the bank: its {carried} transactions sum exactly to {money(paid_out, line.currency)}")


def in_invoice_currency(line: BankLine, invoice: OpenInvoice) -> int | None:
    """The line's amount in the invoice's currency: itself, or through Stripe's exchange rate
    (charge amount x rate = line amount), rounded half up; None when there is no rate."""
    if line.currency == invoice.currency:
        return abs(line.amount)
    rate = line.rate
    if rate is None:
        return None
    scaled = Fraction(abs(line.amount) * 10 ** exponent(invoice.currency), 10 ** exponent(line.currency)) / rate
    return (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)


def stripe_ids(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T1: the line's payment intent recorded on an invoice, a refund's or dispute's charge that
    settled an invoice, or Light's metadata naming this organization's invoice."""
    if line.kind not in ("charge", "refund", "dispute"):
        return None
    invoices = pool.with_intent(line.payment_intent)
    via = f"its payment intent {line.payment_intent} is recorded on"
    if not invoices and line.kind in _FOLLOWS and line.charge in pool.charge_invoices:
        invoices, via = [pool.get(pool.charge_invoices[line.charge])], f"its charge {line.charge} settled"
    if not invoices:
        invoices, via = _from_metadata(line, pool, notes), "Light's metadata names"
    if len(invoices) > 1:
        return unmatched("T1", f"{line.payment_intent} is recorded on {len(invoices)} invoices "
                               f"({labels(invoices)}): a person should choose")
    if not invoices:
        return None
    return _settle_exactly(line, invoices[0], via, notes)


def _from_metadata(line: BankLine, pool: Candidates, notes: list[str]) -> list[OpenInvoice]:
    invoice_id = str(line.metadata.get("light_invoice_id") or "").strip()
    if not invoice_id.isdigit():
        return []
    if str(line.metadata.get("light_organization_id") or "").strip() != str(pool.organization_id):
        notes.append(f"Light's metadata names invoice #{invoice_id} of another organization")
        return []
    invoice = pool.get(int(invoice_id))
    if invoice is None:
        notes.append(f"Light's metadata names invoice #{invoice_id}, which is not among the open invoices")
        return []
    return [invoice]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _settle_exactly(line: BankLine, invoice: OpenInvoice, via: str, notes: list[str]) -> Decision | None:
    if line.kind in _FOLLOWS:
        effect, category, room = "reversal", _FOLLOWS[line.kind], invoice.total
    elif via.startswith("its payment intent"):
        effect, category, room = "recorded", "sales", invoice.total
    else:
        effect, category, room = "payment", "sales", invoice.outstanding
    amount = in_invoice_currency(line, invoice)
    if amount is None:
        notes.append(f"{invoice.label} is in {invoice.currency} and the line in {line.currency}, "
                     f"with no exchange rate from Stripe")
        return None
    if line.currency != invoice.currency and abs(amount - room) == 1:
        amount = room  # the rate is rounded to a few places: one minor unit is rounding, not money
    if amount > room:
        notes.append(f"{_sentence(via)} {invoice.label}, but {money(amount, invoice.currency)} is more than "
                     f"the {money(room, invoice.currency)} it can take")
        return None
    converted = None if line.currency == invoice.currency else amount
    rate = "" if converted is None else f" ({money(amount, invoice.currency)} at Stripe's rate {line.exchange_rate})"
    settlement = Settlement(amount=abs(line.amount), invoice_id=invoice.id, category=category, effect=effect,
                            invoice_amount=converted)
    return linked("T1", [settlement], f"{_sentence(via)} {invoice.label}{rate}")
