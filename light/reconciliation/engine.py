"""The reconciliation engine: one bank line and its candidates in, a decision out.

The tiers are tried in order and the first that decides wins (issue 10's table):
T0 structural, T1 exact Stripe id, T2 invoice number, T3 same customer and exact amount,
T4 exact amount of any customer, T5 a set of the customer's invoices, T6 a part payment,
T7 a near amount. A tier that looks but does not decide leaves a note, and an unmatched line
carries those notes as its reasons. Pure: no Flask, no database.
"""
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from light.reconciliation.allocation import Allocation, AllocationError
from light.reconciliation.amounts import invoice_set, near_amount, part_payment
from light.reconciliation.candidates import Candidates
from light.reconciliation.references import exact_amount, invoice_number, same_customer
from light.reconciliation.structural import stripe_ids, structural
from light.reconciliation.values import BankLine, Decision, OpenInvoice, unmatched
from light.reconciliation.wording import money

TIERS = (structural, stripe_ids, invoice_number, same_customer, exact_amount, invoice_set, part_payment,
         near_amount)


def candidates_for(invoices: Iterable[OpenInvoice] | Candidates, organization_id: int) -> Candidates:
    if isinstance(invoices, Candidates):
        if invoices.organization_id != organization_id:
            raise ValueError("these candidates are another organization's")
        return invoices
    return Candidates(invoices, organization_id=organization_id)


def decide(line: BankLine, candidates: Iterable[OpenInvoice] | Candidates, *, organization_id: int) -> Decision:
    """Link, suggest or leave unmatched. `candidates` is the organization's open invoices (and
    paid ones with recorded payment intents), or a `Candidates` index of them built once."""
    pool = candidates_for(candidates, organization_id)
    if line.amount == 0:
        return unmatched(None, "A zero amount: nothing to match")
    notes: list[str] = []
    for tier in TIERS:
        decision = tier(line, pool, notes)
        if decision is not None:
            return decision
    return unmatched(None, *notes, _nothing_fits(line))


def _nothing_fits(line: BankLine) -> str:
    amount = money(abs(line.amount), line.currency)
    if line.kind in ("refund", "dispute"):
        return f"A {line.kind} of {amount} whose charge ({line.charge or 'unknown'}) settled no invoice Light knows"
    if line.amount < 0:
        return f"Money out ({amount}) that is no refund, dispute, fee or payout"
    return f"No open invoice in {line.currency} fits {amount}"


def rematch(lines: Iterable[BankLine], invoices: Iterable[OpenInvoice], *,
            organization_id: int) -> list[tuple[BankLine, Decision]]:
    """Decide every line, oldest first, as if they arrived one by one: each link records its
    payments before the next line is decided, so two lines never take the same outstanding
    amount, and a refund finds the invoice its charge settled. Lines a person decided are not
    passed in; `invoices` show what is outstanding without the lines passed in."""
    with _collector_paused():
        pool = candidates_for(invoices, organization_id)
        allocation = Allocation()  # each invoice joins it as a link first touches it, as outstanding then
        results = []
        for line in sorted(lines, key=lambda line: line.created):
            decision = decide(line, pool, organization_id=organization_id)
            if decision.outcome == "linked":
                decision = _apply(line, decision, pool, allocation)
            results.append((line, decision))
    return results


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector, paused while a batch is decided. The work per line is constant
    (each tier reads the Candidates indexes: cProfile counts exactly 10x the calls of every function
    for 10x the lines), but the decisions a batch keeps are new objects that survive, and every so
    often the collector walks all of them, and all the lines and invoices, again: at 50,000 lines a
    third of the time went to those walks, none at 5,000, so time grew faster than the lines. The
    engine makes no reference cycles (reference counting frees what it drops), so nothing is lost;
    whoever paused the collector first resumes it."""
    paused_here = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused_here:
            gc.enable()


def _apply(line: BankLine, decision: Decision, pool: Candidates, allocation: Allocation) -> Decision:
    allocation.add_line(line)
    for settlement in decision.settlements:
        invoice = pool.get(settlement.invoice_id) if settlement.invoice_id is not None else None
        if invoice is not None and not allocation.knows_invoice(invoice.id):
            allocation.add_invoice(invoice)
    try:
        allocation.link(line.id, decision.settlements)
    except AllocationError as refused:
        return unmatched(decision.tier, *decision.reasons, f"Not linked: {refused}")
    for settlement in decision.settlements:
        if settlement.effect == "payment":
            pool.settle(settlement.invoice_id, settlement.on_invoice)
        if line.kind == "charge" and line.charge and settlement.invoice_id is not None:
            pool.charge_invoices[line.charge] = settlement.invoice_id
    return decision
