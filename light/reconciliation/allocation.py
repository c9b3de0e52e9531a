"""Links between bank lines and invoices, applied and reversed on plain data.

The invariants, enforced on every link and checkable at any time:
- a line is linked once (a second link is refused until it is unlinked);
- the settlements on a line never add up to more than its amount;
- payments recorded on an invoice never add up to more than was outstanding, payments together
  with the ones Light had recorded never to more than its total, and refunds and disputes neither;
- unlink reverses exactly what link did.
"""
from collections import defaultdict

from light.reconciliation.values import BankLine, OpenInvoice, Settlement
from light.reconciliation.wording import money


class AllocationError(ValueError):
    """A link that would break an invariant: nothing was applied."""


class Allocation:
    def __init__(self, lines=(), invoices=()):
        self._lines: dict = {}
        self._invoices: dict = {}
        self._links: dict = {}
        self._used_line: dict = defaultdict(int)
        self._used_invoice: dict = defaultdict(int)  # (invoice id, effect) -> amount in its currency
        for line in lines:
            self.add_line(line)
        for invoice in invoices:
            self.add_invoice(invoice)

    def add_line(self, line: BankLine) -> None:
        if self._lines.setdefault(line.id, line) != line:
            raise AllocationError(f"line {line.id} is already known with other values")

    def knows_invoice(self, invoice_id) -> bool:
        return invoice_id in self._invoices

    def add_invoice(self, invoice: OpenInvoice) -> None:
        if self._invoices.setdefault(invoice.id, invoice) != invoice:
            raise AllocationError(f"invoice {invoice.id} is already known with other values")

    def link(self, line_id, settlements) -> tuple[Settlement, ...]:
        """Apply all of `settlements` to the line, or none of them."""
        settlements = tuple(settlements)
        self._check(line_id, settlements)
        self._links[line_id] = settlements
        for settlement in settlements:
            self._apply(line_id, settlement, 1)
        return settlements

    def unlink(self, line_id) -> tuple[Settlement, ...]:
        """Reverse exactly what the line's link did, and say what that was."""
        if line_id not in self._links:
            raise AllocationError(f"line {line_id} is not linked")
        settlements = self._links.pop(line_id)
        for settlement in settlements:
            self._apply(line_id, settlement, -1)
        return settlements

    def _apply(self, line_id, settlement: Settlement, sign: int) -> None:
        self._used_line[line_id] += sign * settlement.amount
        if settlement.invoice_id is not None:
            self._used_invoice[(settlement.invoice_id, settlement.effect)] += sign * settlement.on_invoice

    def _check(self, line_id, settlements: tuple[Settlement, ...]) -> None:
        line = self._lines.get(line_id)
        if line is None:
            raise AllocationError(f"line {line_id} is not known")
        if line_id in self._links:
            raise AllocationError(f"line {line_id} is already linked: unlink it first")
        if not settlements:
            raise AllocationError("a link settles something")
        total = sum(settlement.amount for settlement in settlements)
        if total > abs(line.amount):
            raise AllocationError(f"This would allocate {money(total, line.currency)} of a "
                                  f"{money(abs(line.amount), line.currency)} line")
        adding: dict = defaultdict(int)
        for settlement in settlements:
            if settlement.invoice_id is not None:
                self._check_currency(line, settlement)
                adding[(settlement.invoice_id, settlement.effect)] += settlement.on_invoice
        for invoice_id in {invoice_id for invoice_id, _ in adding}:
            self._check_invoice(invoice_id, adding)

    def _check_currency(self, line: BankLine, settlement: Settlement) -> None:
        invoice = self._invoices.get(settlement.invoice_id)
        if invoice is None:
            raise AllocationError(f"invoice {settlement.invoice_id} is not known")
        if invoice.currency != line.currency and settlement.invoice_amount is None:
            raise AllocationError(f"{invoice.label} is in {invoice.currency}: the settlement needs its amount in it")

    def _check_invoice(self, invoice_id, adding: dict) -> None:
        invoice = self._invoices[invoice_id]

        def after(effect: str) -> int:
            return self._used_invoice[(invoice_id, effect)] + adding.get((invoice_id, effect), 0)

        if after("payment") > invoice.outstanding:
            raise AllocationError(f"This would record {money(after('payment'), invoice.currency)} on {invoice.label}, "
                                  f"which has {money(invoice.outstanding, invoice.currency)} outstanding")
        if after("payment") + after("recorded") > invoice.total or after("reversal") > invoice.total:
            raise AllocationError(f"This would link more than the {money(invoice.total, invoice.currency)} "
                                  f"total of {invoice.label}")

    def settlements_of(self, line_id) -> tuple[Settlement, ...]:
        return self._links.get(line_id, ())

    def is_linked(self, line_id) -> bool:
        return line_id in self._links

    def unallocated(self, line_id) -> int:
        return abs(self._lines[line_id].amount) - self._used_line[line_id]

    def outstanding(self, invoice_id) -> int:
        """What is still outstanding on the invoice once the payments linked here are recorded."""
        return self._invoices[invoice_id].outstanding - self._used_invoice[(invoice_id, "payment")]

    def lines_paying(self, invoice_id) -> list:
        return [line_id for line_id, settlements in self._links.items()
                if any(settlement.invoice_id == invoice_id for settlement in settlements)]

    def state(self) -> tuple:
        """Everything the links amount to, comparable: equal states are the same allocation."""
        links = frozenset(self._links.items())
        used_lines = frozenset((k, v) for k, v in self._used_line.items() if v)
        used_invoices = frozenset((k, v) for k, v in self._used_invoice.items() if v)
        return links, used_lines, used_invoices

    def violations(self) -> list[str]:
        """The invariants recomputed from the links alone: empty when they all hold."""
        found = []
        per_invoice: dict = defaultdict(int)
        for line_id, settlements in self._links.items():
            line = self._lines[line_id]
            if sum(settlement.amount for settlement in settlements) > abs(line.amount):
                found.append(f"line {line_id} is over-allocated")
            for settlement in settlements:
                if settlement.invoice_id is not None:
                    per_invoice[(settlement.invoice_id, settlement.effect)] += settlement.on_invoice
        for invoice_id, invoice in self._invoices.items():
            paid, recorded, reversed_ = (per_invoice[(invoice_id, e)] for e in ("payment", "recorded", "reversal"))
            if paid > invoice.outstanding or paid + recorded > invoice.total or reversed_ > invoice.total:
                found.append(f"{invoice.label} is over-settled")
        if {k: v for k, v in per_invoice.items() if v} != {k: v for k, v in self._used_invoice.items() if v}:
            found.append("the running totals disagree with the links")
        return found
