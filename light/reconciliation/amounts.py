"""T5-T7: amounts that fit the customer's invoices without being one exact invoice.

T5 finds sets of 2-6 of the customer's open invoices summing exactly to the line (one set links,
several are suggested); T6 suggests a part payment of 5-95% of what is outstanding; T7 suggests an
invoice within max(1 minor unit, 1%) of the amount, naming the difference."""
from light.reconciliation.candidates import Candidates
from light.reconciliation.references import CUSTOMER_WINDOW, contradicts, is_payment, payment, texts, within
from light.reconciliation.values import BankLine, Decision, OpenInvoice, linked, suggested
from light.reconciliation.wording import customer, difference, labels, money, timing

SET_SIZES = (2, 6)
SET_CANDIDATES = 12  # the oldest 12 of the customer's invoices: 2,497 sets at most
SETS_COUNTED = 100  # past this many exact sets the line is a question whatever the count
PART_PAYMENT = (5, 95)  # percent of what is outstanding


def exact_sets(amounts: list[int], target: int, sizes: tuple[int, int] = SET_SIZES,
               limit: int = SETS_COUNTED) -> list[tuple[int, ...]]:
    """Positions of the sets of `sizes` positive amounts summing exactly to `target`, fewest
    first, then earliest positions; at most `limit` of them."""
    smallest, largest = sizes
    found: list[tuple[int, ...]] = []
    if sum(amounts) < target:
        return found

    def extend(start: int, chosen: list[int], total: int) -> None:
        for at in range(start, len(amounts)):
            if len(found) >= limit:
                return
            reached = total + amounts[at]
            if reached == target and len(chosen) + 1 >= smallest:
                found.append((*chosen, at))
            elif reached < target and len(chosen) + 1 < largest:
                extend(at + 1, [*chosen, at], reached)

    extend(0, [], 0)
    return sorted(found, key=lambda positions: (len(positions), positions))


def invoice_set(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T5: 2-6 of the customer's open invoices (the oldest 12 that could be in a set) summing exactly."""
    if not is_payment(line):
        return None
    pool_invoices = [invoice for invoice in pool.of_customer(line)
                     if invoice.outstanding < line.amount and within(line, invoice, CUSTOMER_WINDOW)]
    considered = pool_invoices[:SET_CANDIDATES]
    sets = exact_sets([invoice.outstanding for invoice in considered], line.amount)
    if not sets:
        return None
    chosen = [considered[at] for at in sets[0]]
    settlements = [payment(line, invoice, invoice.outstanding) for invoice in chosen]
    reasons = (f"Same customer ({customer(line)}): {labels(chosen)} sum exactly to "
               f"{money(line.amount, line.currency)}",)
    if len(sets) == 1:
        return linked("T5", settlements, *reasons)
    count = f"at least {len(sets)}" if len(sets) >= SETS_COUNTED else str(len(sets))
    return suggested("T5", settlements, *reasons,
                     f"{count} sets of this customer's open invoices sum to this amount: the first is suggested")


def part_payment(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T6: the customer's oldest invoice of which the line is 5-95% of what is outstanding."""
    if not is_payment(line):
        return None
    low, high = PART_PAYMENT
    fitting = [invoice for invoice in pool.of_customer(line) if within(line, invoice, CUSTOMER_WINDOW)
               and 100 * line.amount >= low * invoice.outstanding and 100 * line.amount <= high * invoice.outstanding]
    if not fitting:
        return None
    invoice = fitting[0]
    share = 100 * line.amount // invoice.outstanding
    reasons = [f"Same customer ({customer(line)}), a part payment: {money(line.amount, line.currency)} is {share}% "
               f"of the {money(invoice.outstanding, invoice.currency)} outstanding on {invoice.label}, "
               f"{timing(line.created, invoice)}"]
    if len(fitting) > 1:
        reasons.append(f"{len(fitting)} of this customer's invoices could take it: the oldest is suggested")
    return suggested("T6", [payment(line, invoice)], *reasons)


def tolerance(invoice: OpenInvoice) -> int:
    return max(1, invoice.outstanding // 100)


def near_amount(line: BankLine, pool: Candidates, notes: list[str]) -> Decision | None:
    """T7: a named invoice, else one of the customer's, within max(1 minor unit, 1%) of the amount."""
    if not is_payment(line):
        return None
    named = [invoice for invoice in pool.named_in(texts(line)) if invoice.currency == line.currency
             and invoice.outstanding > 0 and not contradicts(line, invoice)]
    named_ids = {invoice.id for invoice in named}
    candidates = named + [invoice for invoice in pool.of_customer(line) if invoice.id not in named_ids]
    fitting = [invoice for invoice in candidates if abs(line.amount - invoice.outstanding) <= tolerance(invoice)]
    if not fitting:
        return None
    fitting.sort(key=lambda invoice: (invoice.id not in named_ids, abs(line.amount - invoice.outstanding)))
    invoice = fitting[0]
    why = f"{invoice.label} is named" if invoice.id in named_ids else f"Same customer ({customer(line)})"
    reasons = [f"{why}: {money(line.amount, line.currency)} is {difference(line, invoice)} "
               f"(within {money(tolerance(invoice), invoice.currency)}), {timing(line.created, invoice)}"]
    if len(fitting) > 1:
        reasons.append(f"{len(fitting)} invoices are this close: the closest is suggested")
    return suggested("T7", [payment(line, invoice, min(line.amount, invoice.outstanding))], *reasons)
