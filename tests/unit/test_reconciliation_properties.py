"""Properties of the reconciliation engine and its allocation, over generated plain data (issue 10):
ambiguity never links, link -> unlink -> link ends where it began, and the invariants hold under
any sequence of links and unlinks."""
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from light.reconciliation.allocation import Allocation, AllocationError
from light.reconciliation.engine import decide, rematch
from light.reconciliation.values import BankLine, OpenInvoice, Settlement

ORG = 7
START = date(2024, 1, 1)
CURRENCIES = st.sampled_from(["USD", "JPY", "KWD"])
CUSTOMERS = st.sampled_from(["cus_a", "cus_b", "cus_c"])
AMOUNTS = st.sampled_from([500, 1000, 1010, 2500, 3000, 5000, 7500, 12000])


@st.composite
def invoices(draw, id):
    total = draw(AMOUNTS)
    issued = START + timedelta(days=draw(st.integers(0, 60)))
    customer = draw(CUSTOMERS)
    return OpenInvoice(id=id, number=f"INV-{id:04d}", customer_emails=(f"{customer}@example.com",),
                       stripe_customer_id=customer, currency=draw(CURRENCIES), total=total,
                       outstanding=draw(st.integers(1, total)), issue_date=issued,
                       due_date=issued + timedelta(days=draw(st.sampled_from([0, 14, 30]))), organization_id=ORG,
                       payment_intent_ids=draw(st.sampled_from([(), (f"pi_{id}",)])))


@st.composite
def pools(draw, min_size=1):
    count = draw(st.integers(min_size, 8))
    return [draw(invoices(id)) for id in range(1, count + 1)]


@st.composite
def lines(draw, id="txn", numbers=()):
    references = ["", "thanks", *numbers]
    return BankLine(id=id, kind=draw(st.sampled_from(["charge", "charge", "charge", "refund", "fee"])),
                    amount=draw(st.sampled_from([500, 1000, 1010, 2000, 2500, 5000, 6000, 12000, 15000])),
                    currency=draw(CURRENCIES), created=START + timedelta(days=draw(st.integers(-5, 120))),
                    description=draw(st.sampled_from(references)),
                    customer=draw(st.none() | CUSTOMERS), customer_email=draw(st.none() | st.just("cus_a@example.com")),
                    payment_intent=draw(st.none() | st.sampled_from(["pi_1", "pi_2", "pi_3"])))


def signed(line: BankLine) -> BankLine:
    return replace(line, amount=-line.amount) if line.kind in ("refund", "fee") else line


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_ambiguity_never_links(data):
    """Give an invoice a twin that differs only in its id and number: a line that names neither
    cannot tell them apart, so no decision may link one of the two without the other."""
    pool = data.draw(pools())
    original = data.draw(st.sampled_from(pool))
    twin = replace(original, id=100, number="INV-0100", payment_intent_ids=())
    pool = [replace(i, payment_intent_ids=()) if i.id == original.id else i for i in pool] + [twin]
    others = [i.number for i in pool if i.id not in (original.id, twin.id)]
    line = signed(data.draw(lines(numbers=others)))
    decision = decide(line, pool, organization_id=ORG)
    if decision.outcome == "linked":
        linked = set(decision.invoice_ids)
        assert (original.id in linked) == (twin.id in linked), decision


@settings(max_examples=60, deadline=None)
@given(pools(), st.data())
def test_no_decision_settles_more_than_the_line_or_the_outstanding_or_across_currencies(pool, data):
    line = signed(data.draw(lines(numbers=[i.number for i in pool])))
    decision = decide(line, pool, organization_id=ORG)
    by_id = {i.id: i for i in pool}
    assert sum(s.amount for s in decision.settlements) <= abs(line.amount)
    for settlement in decision.settlements:
        if settlement.invoice_id is None:
            continue
        target = by_id[settlement.invoice_id]
        if settlement.effect == "payment":
            assert settlement.on_invoice <= target.outstanding
        assert target.currency == line.currency or (decision.tier == "T1" and settlement.invoice_amount)
    assert decision.reasons


@settings(max_examples=40, deadline=None)
@given(pools(), st.lists(st.integers(0, 5), min_size=1, max_size=6), st.data())
def test_link_unlink_link_ends_where_it_began(pool, ids, data):
    batch = [signed(data.draw(lines(id=f"txn_{n}", numbers=[i.number for i in pool]))) for n in range(len(ids))]
    ledger = Allocation(lines=batch, invoices=pool)
    for line in batch:
        decision = decide(line, pool, organization_id=ORG)
        if not decision.settlements:
            continue
        before = ledger.state()
        try:
            ledger.link(line.id, decision.settlements)
        except AllocationError:
            assert ledger.state() == before
            continue
        after = ledger.state()
        ledger.unlink(line.id)
        assert ledger.state() == before
        ledger.link(line.id, decision.settlements)
        assert ledger.state() == after
    assert ledger.violations() == []


OPERATIONS = st.lists(st.tuples(st.sampled_from(["link", "unlink"]), st.integers(0, 3),
                                st.lists(st.tuples(st.integers(1, 4), st.integers(1, 9000)), min_size=1, max_size=3)),
                      max_size=40)


@settings(max_examples=60, deadline=None)
@given(OPERATIONS)
def test_the_allocation_invariants_hold_under_any_sequence_of_links_and_unlinks(operations):
    accounts = [BankLine(id=n, kind="charge", amount=amount, currency="USD", created=START)
                for n, amount in enumerate([5000, 12000, 300, 9000])]
    bills = [OpenInvoice(id=n, number=f"INV-{n}", currency="USD", total=total, outstanding=outstanding,
                         issue_date=START, due_date=START, organization_id=ORG)
             for n, (total, outstanding) in enumerate([(10000, 10000), (8000, 3000), (500, 500), (20000, 1)], start=1)]
    ledger = Allocation(lines=accounts, invoices=bills)
    linked: dict = {}
    for operation, line_id, parts in operations:
        before = ledger.state()
        if operation == "unlink":
            if line_id in linked:
                assert ledger.unlink(line_id) == linked.pop(line_id)
            continue
        settlements = [Settlement(amount=amount, invoice_id=invoice_id) for invoice_id, amount in parts]
        try:
            linked[line_id] = ledger.link(line_id, settlements)
        except AllocationError:
            assert ledger.state() == before
        assert ledger.violations() == []
        for bill in bills:
            assert 0 <= ledger.outstanding(bill.id) <= bill.outstanding
        for account in accounts:
            assert 0 <= ledger.unallocated(account.id) <= account.amount
    for line_id in list(linked):
        ledger.unlink(line_id)
    assert ledger.state() == Allocation(lines=accounts, invoices=bills).state()


@settings(max_examples=40, deadline=None)
@given(pools(), st.data())
def test_a_rematch_never_gives_an_invoice_more_than_was_outstanding(pool, data):
    batch = [signed(data.draw(lines(id=f"txn_{n}", numbers=[i.number for i in pool]))) for n in range(6)]
    paid: dict = {}
    for _, decision in rematch(batch, pool, organization_id=ORG):
        if decision.outcome == "linked":
            for settlement in decision.settlements:
                if settlement.effect == "payment":
                    paid[settlement.invoice_id] = paid.get(settlement.invoice_id, 0) + settlement.on_invoice
    assert all(paid[i.id] <= i.outstanding for i in pool if i.id in paid)
