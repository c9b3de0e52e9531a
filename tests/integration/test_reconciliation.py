"""Bank Reconciliation in the database: Light links what is certain, suggests what is likely and
says why it left the rest; people accept, decline, match, unmatch and exclude; the invariants hold
and every step is in the append-only log."""
import threading
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from light.banking.models import BankTransaction
from light.errors import InvalidInput
from light.extensions import db
from light.invoices.models import Invoice, InvoiceEvent
from light.reconciliation import matching, services
from light.reconciliation.models import AppendOnly, LineDecision, ReconciliationLink, ReconciliationLogEntry
from light.reconciliation.services import Actor, Allocation, Conflict
from tests.fixtures.owned.banking import seed_connection
from tests.fixtures.owned.reconciliation import bank_line, customer, issued_invoice


@pytest.fixture
def owner(auth):
    return auth.create_owner()


@pytest.fixture
def account(owner):
    return seed_connection(owner, "acct_rec_tests01")[1]


@pytest.fixture
def person(owner):
    return Actor(owner.id, "Olivia Owner")


def match(*lines):
    return matching.match_new(lines[0].organization_id, [line.id for line in lines])


def state(line):
    return db.session.get(BankTransaction, line.id, populate_existing=True).match_state


def invoice_now(invoice):
    return db.session.get(Invoice, invoice.id, populate_existing=True)


def links_of(line):
    return ReconciliationLink.query.filter_by(bank_transaction_id=line.id).all()


def reasons(line):
    return LineDecision.query.filter_by(bank_transaction_id=line.id).one().reasons


def test_a_stripe_payment_light_recorded_is_linked_by_itself_and_records_nothing_twice(owner, account):
    invoice = issued_invoice(owner.organization_id, 5000, status="paid", amount_paid=5000, payment_intent="pi_light1")
    line = bank_line(account, 5000, payment_intent_id="pi_light1", charge_id="ch_1")
    assert match(line) == {"linked": 1}
    (link,) = links_of(line)
    assert (state(line), link.invoice_id, link.effect, link.recorded_payment) == ("matched", invoice.id, "recorded",
                                                                                   False)
    assert invoice_now(invoice).amount_paid == 5000
    entry = ReconciliationLogEntry.query.filter_by(bank_transaction_id=line.id).one()
    assert (entry.action, entry.who, entry.user_id) == ("linked", "Light", None)
    assert "pi_light1" in entry.why


def test_a_payment_naming_an_invoice_records_the_payment_and_unmatch_reverses_exactly_that(owner, account, person):
    invoice = issued_invoice(owner.organization_id, 12000, number="INV-0042")
    line = bank_line(account, 12000, description="Payment for INV-0042, thanks")
    assert match(line) == {"linked": 1}
    paid = invoice_now(invoice)
    assert (paid.status, paid.amount_paid) == ("paid", 12000)
    assert links_of(line)[0].recorded_payment
    services.unmatch(owner.organization_id, line.id, person)
    back = invoice_now(invoice)
    assert (back.status, back.amount_paid, state(line), links_of(line)) == ("overdue", 0, "unmatched", [])  # its due date has passed
    kinds = [e.kind for e in InvoiceEvent.query.filter_by(invoice_id=invoice.id).order_by(InvoiceEvent.id)]
    assert kinds == ["payment", "payment_reversed"]
    assert [e.action for e in ReconciliationLogEntry.query.order_by(ReconciliationLogEntry.id)] == ["linked",
                                                                                                   "unmatched"]


def test_an_unmatched_line_says_why(owner, account):
    line = bank_line(account, 777, description="Mystery")
    assert match(line) == {"unmatched": 1}
    assert state(line) == "unmatched"
    assert any("No open invoice in USD fits" in reason for reason in reasons(line))


def test_a_suggestion_is_accepted_by_a_person_and_the_payment_recorded(owner, account, person):
    invoice = issued_invoice(owner.organization_id, 4321)
    line = bank_line(account, 4321, description="card payment")  # any customer, exact amount: T4
    assert match(line) == {"suggested": 1}
    assert state(line) == "suggested" and invoice_now(invoice).amount_paid == 0
    services.accept(owner.organization_id, line.id, person)
    assert (state(line), invoice_now(invoice).amount_paid) == ("matched", 4321)
    actions = [(e.action, e.who) for e in ReconciliationLogEntry.query.order_by(ReconciliationLogEntry.id)]
    assert actions == [("suggested", "Light"), ("accepted", "Olivia Owner")]


def test_a_declined_suggestion_is_left_alone_by_rematch(owner, account, person):
    issued_invoice(owner.organization_id, 4321)
    line = bank_line(account, 4321)
    match(line)
    services.decline(owner.organization_id, line.id, person)
    assert state(line) == "unmatched" and reasons(line)[0].startswith("Declined by Olivia Owner")
    assert matching.rematch_account(account.id) == {}
    assert state(line) == "unmatched" and LineDecision.query.filter_by(bank_transaction_id=line.id).one().by_person


def test_rematch_links_what_became_certain_and_never_touches_a_persons_match(owner, account, person):
    line = bank_line(account, 2500, description="for INV-0777")
    mine = bank_line(account, 900)
    match(line, mine)
    invoice = issued_invoice(owner.organization_id, 2500, number="INV-0777")
    other = issued_invoice(owner.organization_id, 900)
    services.match(owner.organization_id, mine.id, person, allocations=[Allocation(other.id, 900)])
    assert matching.rematch_account(account.id) == {"linked": 1}
    assert links_of(line)[0].invoice_id == invoice.id
    assert [link.user_id for link in links_of(mine)] == [owner.id]


def test_flask_rematch_runs_rematch_for_one_organization_and_prints_its_counts(app, auth, owner, account, person):
    from datetime import date, datetime

    from light.banking.models import BankPayout
    from light.statements.models import PayoutDeposit, StatementImport, StatementLine
    from tests.fixtures.owned.statements import statement_account

    line = bank_line(account, 2500, description="for INV-0777")
    mine = bank_line(account, 900)
    match(line, mine)
    invoice = issued_invoice(owner.organization_id, 2500, number="INV-0777")
    other = issued_invoice(owner.organization_id, 900)
    services.match(owner.organization_id, mine.id, person, allocations=[Allocation(other.id, 900)])
    payout = BankPayout(organization_id=owner.organization_id, bank_account_id=account.id, stripe_id="po_cli",
                        amount=150000, currency="USD", status="paid", arrival_date=datetime(2026, 1, 9, 12))
    bank = statement_account(owner)
    record = StatementImport(organization_id=owner.organization_id, account_id=bank.id, file_name="a.ofx", format="ofx")
    db.session.add_all([payout, record])
    db.session.flush()
    db.session.add(StatementLine(organization_id=owner.organization_id, account_id=bank.id, import_id=record.id,
                                 line_key="id:1", date=date(2026, 1, 9), amount=150000, currency="USD",
                                 description="STRIPE", reference=""))
    stranger = auth.create_owner(organization="Other Ltd")
    theirs = seed_connection(stranger, "acct_rec_tests02")[1]
    issued_invoice(stranger.organization_id, 700, number="INV-0700")
    untouched = bank_line(theirs, 700, description="INV-0700")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rematch", "--org", str(owner.organization_id)])
    assert result.exit_code == 0, result.output
    assert f"Organization {owner.organization_id}, {account.name}: 1 matched, 0 suggested, 0 left unmatched" \
        in result.output
    assert "1 deposits matched to Stripe payouts, 0 suggested" in result.output
    assert links_of(line)[0].invoice_id == invoice.id and [link.user_id for link in links_of(mine)] == [owner.id]
    assert PayoutDeposit.query.one().payout_id == payout.id
    assert state(untouched) == "unmatched", "another organization's lines wait for their own run"
    again = app.test_cli_runner().invoke(args=["rematch", "--org", str(owner.organization_id)])
    assert "0 matched" in again.output and "0 deposits matched" in again.output
    everyone = app.test_cli_runner().invoke(args=["rematch"])
    assert everyone.exit_code == 0 and state(untouched) == "matched"
    missing = app.test_cli_runner().invoke(args=["rematch", "--org", "999999"])
    assert missing.exit_code != 0 and "No organization" in missing.output


def test_rematch_in_batches_reads_the_open_invoices_once_and_keeps_them_current(monkeypatch, owner, account):
    monkeypatch.setattr(matching, "BATCH", 2)  # five lines: three batches
    open_one = issued_invoice(owner.organization_id, 5000, number="INV-0900")
    paid = issued_invoice(owner.organization_id, 3000, status="paid", amount_paid=3000, payment_intent="pi_batch3")
    lines = [bank_line(account, 5000, description="INV-0900", created=datetime(2026, 1, 10, 12)),
             bank_line(account, -40, category="fee", type="stripe_fee", created=datetime(2026, 1, 11, 12)),
             bank_line(account, 5000, description="INV-0900 again", created=datetime(2026, 1, 12, 12)),
             bank_line(account, 7777, created=datetime(2026, 1, 13, 12)),
             bank_line(account, 3000, payment_intent_id="pi_batch3", created=datetime(2026, 1, 14, 12))]
    lines = [SimpleNamespace(id=line.id) for line in lines]  # Re-match lets go of the rows it read
    open_id, paid_id, account_id = open_one.id, paid.id, account.id
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert matching.rematch_account(account_id) == {"linked": 3, "unmatched": 2}
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM invoices" in s
             and "invoices.status IN" in s]
    assert len(reads) == 1, "the open invoices are read once for all the batches"
    assert [state(line) for line in lines] == ["matched", "matched", "unmatched", "unmatched", "matched"]
    assert "nothing is outstanding" in " ".join(reasons(lines[2])), "the second batch saw the first one's payment"
    assert [link.invoice_id for link in links_of(lines[4])] == [paid_id]  # its payment intent, in a later batch
    assert (db.session.get(Invoice, open_id).amount_paid, db.session.get(Invoice, paid_id).amount_paid) == (5000, 3000)


def test_manual_match_to_several_invoices_and_to_a_category(owner, account, person):
    first, second = issued_invoice(owner.organization_id, 3000), issued_invoice(owner.organization_id, 2000)
    line = bank_line(account, 5000)
    services.match(owner.organization_id, line.id, person,
                   allocations=[Allocation(first.id, 3000), Allocation(second.id, 2000)])
    assert {(link.invoice_id, link.amount) for link in links_of(line)} == {(first.id, 3000), (second.id, 2000)}
    assert invoice_now(first).status == invoice_now(second).status == "paid"
    transfer = bank_line(account, -800, category="transfer", type="transfer")
    services.match(owner.organization_id, transfer.id, person, category="other")
    (link,) = links_of(transfer)
    assert (link.invoice_id, link.category, link.amount, link.effect) == (None, "other", 800, "booking")


def test_a_refund_is_matched_by_hand_to_the_invoice_it_gave_money_back_on_and_unmatched(client, auth, owner,
                                                                                         account, person):
    paid = issued_invoice(owner.organization_id, 5000, status="paid", amount_paid=5000)
    issued_invoice(owner.organization_id, 2000)  # open, never paid: nothing to give back on it
    refund = bank_line(account, -2000, category="refund", type="refund", description="Refund")
    auth.login(owner)
    form = client.get(f"/bank-reconciliation/lines/{refund.id}/match").get_data(as_text=True)
    assert "Find the invoice it gave money back on" in form and paid.display_number in form
    assert form.count('name="invoice"') == 1, "only the invoice that was paid something is offered"
    answer = client.post(f"/bank-reconciliation/lines/{refund.id}/match",
                         data={"invoice": str(paid.id), f"amount-{paid.id}": "20.00"})
    assert answer.status_code == 303
    (link,) = links_of(refund)
    assert (link.invoice_id, link.amount, link.effect, link.category, link.recorded_payment) == (
        paid.id, 2000, "reversal", "refunds", False)
    assert (state(refund), invoice_now(paid).amount_paid) == ("matched", 5000)
    entry = ReconciliationLogEntry.query.filter_by(bank_transaction_id=refund.id).one()
    assert entry.action == "matched" and entry.why.startswith(f"Matched as the refund of {paid.display_number}")
    # A second refund for more than was paid and not yet given back is refused beside its amount.
    second = bank_line(account, -4000, category="refund", type="refund")
    refused = client.post(f"/bank-reconciliation/lines/{second.id}/match",
                          data={"invoice": str(paid.id), f"amount-{paid.id}": "40.00"})
    assert refused.status_code == 422 and "not yet given back" in refused.get_data(as_text=True)
    assert links_of(second) == [] and state(second) == "unmatched"
    services.unmatch(owner.organization_id, refund.id, person)
    assert (links_of(refund), state(refund), invoice_now(paid).amount_paid) == ([], "unmatched", 5000)
    fee = bank_line(account, -300, category="fee", type="stripe_fee")
    with pytest.raises(InvalidInput) as not_a_refund:
        services.match(owner.organization_id, fee.id, person, allocations=[Allocation(paid.id, 300)])
    assert "booked to a category" in not_a_refund.value.errors["invoices"]


@pytest.mark.parametrize("allocations, field", [
    ([(0, 6000)], "invoices"),  # more than the line
    ([(0, 4000), (1, 1001)], "invoices"),
    ([(1, 2500)], "amount-1"),  # more than is due on the invoice
    ([(0, 0)], "amount-0"),
])
def test_overdrawing_a_line_or_an_invoice_is_refused_and_writes_nothing(owner, account, person, allocations, field):
    invoices = [issued_invoice(owner.organization_id, 5000), issued_invoice(owner.organization_id, 2000)]
    line = bank_line(account, 5000)
    with pytest.raises(InvalidInput) as refused:
        services.match(owner.organization_id, line.id, person,
                       allocations=[Allocation(invoices[i].id, amount) for i, amount in allocations])
    expected = field if not field.startswith("amount-") else f"amount-{invoices[int(field[-1])].id}"
    assert expected in refused.value.errors
    assert (state(line), links_of(line), ReconciliationLogEntry.query.count()) == ("unmatched", [], 0)
    assert [invoice_now(i).amount_paid for i in invoices] == [0, 0]


def test_never_across_currencies_by_hand(owner, account, person):
    euros = issued_invoice(owner.organization_id, 5000, currency="EUR")
    line = bank_line(account, 5000)
    with pytest.raises(InvalidInput) as refused:
        services.match(owner.organization_id, line.id, person, allocations=[Allocation(euros.id, 5000)])
    assert "is in EUR" in refused.value.errors[f"amount-{euros.id}"]


def test_another_organizations_invoice_can_not_be_matched(owner, account, person, auth):
    stranger = auth.create_owner(organization="Other Ltd")
    theirs = issued_invoice(stranger.organization_id, 1000)
    line = bank_line(account, 1000)
    with pytest.raises(InvalidInput):
        services.match(owner.organization_id, line.id, person, allocations=[Allocation(theirs.id, 1000)])
    with pytest.raises(LookupError):
        services.unmatch(stranger.organization_id, line.id, person)


def test_a_matched_line_is_not_matched_again_and_a_second_unmatch_is_refused(owner, account, person):
    invoice = issued_invoice(owner.organization_id, 1000)
    line = bank_line(account, 1000)
    services.match(owner.organization_id, line.id, person, allocations=[Allocation(invoice.id, 1000)])
    with pytest.raises(Conflict):
        services.match(owner.organization_id, line.id, person, category="other")
    services.unmatch(owner.organization_id, line.id, person)
    with pytest.raises(Conflict):
        services.unmatch(owner.organization_id, line.id, person)
    assert invoice_now(invoice).amount_paid == 0


def test_link_unlink_link_ends_where_it_began(owner, account, person):
    invoice = issued_invoice(owner.organization_id, 1500)
    line = bank_line(account, 1500)
    services.match(owner.organization_id, line.id, person, allocations=[Allocation(invoice.id, 1500)])
    first = (invoice_now(invoice).amount_paid, invoice_now(invoice).status, state(line))
    services.unmatch(owner.organization_id, line.id, person)
    services.match(owner.organization_id, line.id, person, allocations=[Allocation(invoice.id, 1500)])
    assert (invoice_now(invoice).amount_paid, invoice_now(invoice).status, state(line)) == first


def test_excluded_lines_are_left_out_until_included(owner, account, person):
    line = bank_line(account, 1234)
    services.exclude(owner.organization_id, line.id, person)
    assert state(line) == "excluded"
    issued_invoice(owner.organization_id, 1234, number="INV-1234")
    assert matching.rematch_account(account.id) == {}
    services.include(owner.organization_id, line.id, person)
    assert state(line) == "unmatched"


def test_the_log_is_append_only(owner, account, person):
    line = bank_line(account, 1234)
    services.exclude(owner.organization_id, line.id, person)
    entry = ReconciliationLogEntry.query.one()
    entry.why = "rewritten"
    with pytest.raises(AppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(ReconciliationLogEntry.query.one())
    with pytest.raises(AppendOnly):
        db.session.commit()
    db.session.rollback()


def test_two_people_matching_one_line_at_once_leave_one_match(app, owner, account):
    invoices = [issued_invoice(owner.organization_id, 1000) for _ in range(6)]
    line = bank_line(account, 1000)
    barrier, outcomes = threading.Barrier(len(invoices)), []

    def match_to(invoice_id):
        with app.app_context():
            barrier.wait()
            try:
                services.match(owner.organization_id, line.id, Actor(owner.id, "Someone"),
                               allocations=[Allocation(invoice_id, 1000)])
                outcomes.append("matched")
            except Conflict:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=match_to, args=(invoice.id,)) for invoice in invoices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["matched"] + ["refused"] * (len(invoices) - 1)
    assert len(links_of(line)) == 1
    assert sorted(invoice_now(i).amount_paid for i in invoices) == [0] * 5 + [1000]


def test_a_refund_follows_the_charge_that_paid_an_invoice(owner, account):
    invoice = issued_invoice(owner.organization_id, 3000, number="INV-0300")
    charge = bank_line(account, 3000, description="INV-0300", charge_id="ch_paid")
    refund = bank_line(account, -1000, category="refund", type="refund", charge_id="ch_paid")
    assert match(charge, refund) == {"linked": 2}
    (link,) = links_of(refund)
    assert (link.invoice_id, link.effect, link.category) == (invoice.id, "reversal", "refunds")


def test_matching_a_page_costs_the_same_queries_for_ten_lines_or_a_hundred(app, owner, account):
    who = customer(owner.organization_id, stripe_customer_id="cus_counted")
    for n in range(30):
        issued_invoice(owner.organization_id, 1000 + n, who=who, status="paid", amount_paid=1000 + n,
                       payment_intent=f"pi_counted_{n}")

    def page(size, offset):
        lines = []
        for n in range(size):
            kind = n % 4
            if kind == 0:  # T1: Light recorded it
                lines.append(bank_line(account, 1000 + n % 30, payment_intent_id=f"pi_counted_{n % 30}"))
            elif kind == 1:
                lines.append(bank_line(account, -30 - n, category="fee", type="stripe_fee"))
            elif kind == 2:
                lines.append(bank_line(account, 99_000 + offset + n))  # nothing fits
            else:
                lines.append(bank_line(account, -5 - n, category="other", type="adjustment"))
        return lines

    def queries(lines):
        statements, ids = [], [line.id for line in lines]
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            matching.match_new(owner.organization_id, ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    small, large = queries(page(10, 0)), queries(page(100, 1000))
    assert small == large
    assert small <= 14


def test_a_payment_matched_before_lights_webhook_is_recorded_once(owner, account):
    """The bank feed can see a Stripe payment before Light's own webhook does: the link records it
    under the payment intent, so the webhook finds it recorded and nothing is counted twice."""
    from light.invoices import services as invoices

    invoice = issued_invoice(owner.organization_id, 7000)
    line = bank_line(account, 7000, payment_intent_id="pi_race",
        stripe_metadata={"light_invoice_id": str(invoice.id), "light_organization_id": str(owner.organization_id)})
    assert match(line) == {"linked": 1}
    assert not invoices.settle(invoice.id, amount=7000, ref="pi_race", message="Paid through Stripe (webhook).")
    paid = invoice_now(invoice)
    assert (paid.amount_paid, paid.status, paid.stripe_payment_intent_id) == (7000, "paid", "pi_race")


def test_a_payment_lights_webhook_recorded_meanwhile_is_pointed_at_not_recorded_again(owner, account):
    from light.invoices import services as invoices

    invoice = issued_invoice(owner.organization_id, 7000)
    line = bank_line(account, 7000, payment_intent_id="pi_meanwhile")
    # The webhook records the payment between Light's decision and its write.
    assert invoices.settle(invoice.id, amount=7000, ref="pi_meanwhile", message="Paid through Stripe (webhook).")
    link = ReconciliationLink(organization_id=owner.organization_id, bank_transaction_id=line.id,
                              invoice_id=invoice.id, category="sales", effect="payment", amount=7000,
                              recorded_payment=True, payment_ref="pi_meanwhile", tier="T2")
    db.session.add(link)
    db.session.commit()
    assert services.record_payments(line, [link], services.LIGHT_ACTOR)
    assert (db.session.get(ReconciliationLink, link.id).effect, invoice_now(invoice).amount_paid) == ("recorded", 7000)
