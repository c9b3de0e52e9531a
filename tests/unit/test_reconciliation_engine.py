"""The reconciliation engine on plain data: each tier, the near misses that must not link, and the
allocation that applies and reverses links (issue 10)."""
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest

from light.reconciliation.allocation import Allocation, AllocationError
from light.reconciliation.amounts import exact_sets
from light.reconciliation.candidates import Candidates, reference_keys
from light.reconciliation.engine import decide, rematch
from light.reconciliation.values import BankLine, OpenInvoice, PayoutComponent, Settlement

ORG = 7
ISSUED = date(2024, 3, 1)
DUE = date(2024, 3, 31)


def invoice(id=1, **values) -> OpenInvoice:
    fields = dict(id=id, number=f"INV-{id:04d}", customer_id=id, customer_emails=(f"c{id}@example.com",),
                  stripe_customer_id=f"cus_{id}", currency="USD", total=12000, outstanding=12000,
                  issue_date=ISSUED, due_date=DUE, organization_id=ORG)
    return OpenInvoice(**{**fields, **values})


def charge(amount=12000, **values) -> BankLine:
    fields = dict(id="txn_1", kind="charge", amount=amount, currency="USD", created=ISSUED + timedelta(days=3))
    return BankLine(**{**fields, **values})


def decided(line, *invoices):
    return decide(line, list(invoices), organization_id=ORG)


def outcome(decision):
    return decision.outcome, decision.tier, decision.invoice_ids


# T0: structural


def test_a_stripe_fee_is_booked_to_stripe_fees():
    decision = decided(BankLine(id="txn_f", kind="fee", amount=-320, currency="USD", created=ISSUED))
    assert (decision.outcome, decision.tier) == ("linked", "T0")
    assert [(s.category, s.amount, s.invoice_id) for s in decision.settlements] == [("stripe_fees", 320, None)]


def test_a_payout_whose_transactions_sum_exactly_is_a_transfer_to_the_bank():
    payout = BankLine(id="txn_po", kind="payout", amount=-10000, currency="USD", created=ISSUED,
                      payout_components=(PayoutComponent("a", 12000), PayoutComponent("b", -2000)))
    decision = decided(payout, invoice())
    assert (decision.outcome, decision.tier, decision.settlements[0].category) == ("linked", "T0", "transfer")
    assert decision.reasons == ("A transfer to the bank: its 2 transactions sum exactly to $100.00",)


def test_a_payout_whose_transactions_do_not_sum_is_unmatched_naming_the_difference():
    payout = BankLine(id="txn_po", kind="payout", amount=-10000, currency="USD", created=ISSUED,
                      payout_components=(PayoutComponent("a", 9950),))
    decision = decided(payout)
    assert (decision.outcome, decision.tier) == ("unmatched", "T0")
    assert decision.reasons == ("Its 1 transactions sum to $99.50, but the payout is $100.00: $0.50 apart",)


def test_a_payout_whose_transactions_are_not_yet_known_is_unmatched():
    decision = decided(BankLine(id="p", kind="payout", amount=-10000, currency="USD", created=ISSUED))
    assert (decision.outcome, decision.tier) == ("unmatched", "T0")
    assert "not yet listed" in decision.reasons[0]


def test_an_other_line_is_left_for_a_person_even_when_an_invoice_has_its_amount():
    assert outcome(decided(charge(kind="other", customer="cus_1"), invoice())) == ("unmatched", "T0", ())


# T1: exact Stripe ids


def test_a_payment_intent_recorded_on_an_invoice_links_it_without_recording_it_again():
    paid = invoice(outstanding=0, payment_intent_ids=("pi_1",))
    decision = decided(charge(payment_intent="pi_1"), paid, invoice(2))
    assert outcome(decision) == ("linked", "T1", (1,))
    assert decision.settlements[0].effect == "recorded"
    assert decision.reasons == ("Its payment intent pi_1 is recorded on INV-0001",)


def test_light_metadata_naming_this_organizations_invoice_links_and_records_the_payment():
    line = charge(metadata={"light_invoice_id": "3", "light_organization_id": str(ORG)})
    decision = decided(line, invoice(3, stripe_customer_id="cus_other"), invoice(4))
    assert outcome(decision) == ("linked", "T1", (3,))
    assert decision.settlements[0].effect == "payment"


def test_light_metadata_naming_another_organization_does_not_link_by_id():
    line = charge(metadata={"light_invoice_id": "3", "light_organization_id": "8"}, created=date(2025, 1, 1))
    decision = decided(line, invoice(3))
    assert decision.outcome == "unmatched"
    assert "Light's metadata names invoice #3 of another organization" in decision.reasons


def test_light_metadata_for_more_than_is_outstanding_does_not_link():
    line = charge(20000, metadata={"light_invoice_id": "3", "light_organization_id": str(ORG)})
    assert decided(line, invoice(3)).outcome != "linked"


def test_a_refund_follows_its_payment_intent_to_the_invoice_it_paid():
    refund = BankLine(id="txn_r", kind="refund", amount=-5000, currency="USD", created=DUE, payment_intent="pi_1")
    decision = decided(refund, invoice(outstanding=0, payment_intent_ids=("pi_1",)))
    assert outcome(decision) == ("linked", "T1", (1,))
    assert (decision.settlements[0].category, decision.settlements[0].effect) == ("refunds", "reversal")


def test_a_dispute_follows_its_charge_to_the_invoice_the_charge_settled():
    paid = charge(id="txn_c", charge="ch_1", customer="cus_1")
    dispute = BankLine(id="txn_d", kind="dispute", amount=-12000, currency="USD", created=DUE, charge="ch_1")
    results = dict((line.id, outcome(d)) for line, d in rematch([dispute, paid], [invoice()], organization_id=ORG))
    assert results == {"txn_c": ("linked", "T3", (1,)), "txn_d": ("linked", "T1", (1,))}


def test_a_refund_whose_charge_light_does_not_know_is_unmatched_saying_so():
    refund = BankLine(id="r", kind="refund", amount=-500, currency="USD", created=DUE, charge="ch_9")
    decision = decided(refund, invoice(outstanding=500))
    assert decision.outcome == "unmatched"
    assert decision.reasons[-1] == "A refund of $5.00 whose charge (ch_9) settled no invoice Light knows"


def test_a_payment_intent_recorded_on_two_invoices_is_a_question():
    decision = decided(charge(payment_intent="pi_1"), invoice(1, payment_intent_ids=("pi_1",)),
                       invoice(2, payment_intent_ids=("pi_1",)))
    assert outcome(decision) == ("unmatched", "T1", ())


@pytest.mark.parametrize("invoice_currency, invoice_total, line_amount, rate", [
    ("EUR", 10000, 10850, "1.085"),     # 100.00 EUR charged, 108.50 USD in the balance
    ("JPY", 15000, 10050, "0.0067"),    # 15,000 JPY -> 100.50 USD
    ("KWD", 100000, 32500, "3.25"),     # 100.000 KWD -> 325.00 USD
    ("EUR", 10000, 10851, "1.085"),     # a cent of rounding in the rate is not money
])
def test_t1_crosses_currencies_with_stripes_exchange_rate(invoice_currency, invoice_total, line_amount, rate):
    target = invoice(currency=invoice_currency, total=invoice_total, outstanding=invoice_total,
                     payment_intent_ids=("pi_1",))
    decision = decided(charge(line_amount, payment_intent="pi_1", exchange_rate=rate), target)
    assert outcome(decision) == ("linked", "T1", (1,))
    assert (decision.settlements[0].amount, decision.settlements[0].invoice_amount) == (line_amount, invoice_total)


def test_t1_without_an_exchange_rate_does_not_cross_currencies():
    target = invoice(currency="EUR", total=10000, outstanding=10000, payment_intent_ids=("pi_1",))
    decision = decided(charge(10850, payment_intent="pi_1", customer="cus_1"), target)
    assert decision.outcome == "unmatched"
    assert "INV-0001 is in EUR and the line in USD, with no exchange rate from Stripe" in decision.reasons


def test_an_exchange_rate_is_never_a_float():
    with pytest.raises(TypeError):
        charge(exchange_rate=1.085)
    assert charge(exchange_rate="1.085").rate == Fraction(217, 200)
    assert charge(exchange_rate="abc").rate is None


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        charge(120.0)
    with pytest.raises(TypeError):
        invoice(outstanding=120.0)


# T2: the invoice number


@pytest.mark.parametrize("where", [
    {"description": "Payment for INV-0042, thanks"}, {"description": "inv0042"},
    {"description": "Invoices INV-0042/INV-9999"}, {"metadata": {"reference": "INV-0042"}},
])
def test_an_invoice_number_named_as_a_whole_token_links(where):
    decision = decided(charge(**where), invoice(42, stripe_customer_id=None), invoice(43))
    assert outcome(decision) == ("linked", "T2", (42,))


@pytest.mark.parametrize("description", ["XINV-00421", "INV-00421", "INV-0042X", "INV-0042-2", "Invoice 0042", "INV 0042"])
def test_an_invoice_number_inside_a_longer_word_or_split_is_not_named(description):
    assert decided(charge(6000, description=description), invoice(42)).outcome == "unmatched"


def test_a_part_payment_naming_the_invoice_links_what_was_paid():
    decision = decided(charge(5000, description="INV-0042"), invoice(42))
    assert outcome(decision) == ("linked", "T2", (42,))
    assert decision.reasons == ("INV-0042 is named in the payment's reference",
                                "$50.00 of the $120.00 outstanding, paid 3 days after issue")


def test_a_named_invoice_for_less_than_the_amount_is_not_linked_by_its_number():
    decision = decided(charge(20000, description="INV-0042"), invoice(42))
    assert decision.outcome == "unmatched"
    assert "INV-0042 is named, but $200.00 is more than its $120.00 outstanding" in decision.reasons


def test_a_named_invoice_in_another_currency_is_not_linked():
    decision = decided(charge(description="INV-0042"), invoice(42, currency="EUR"))
    assert decision.outcome == "unmatched"
    assert "INV-0042 is named, but it is in EUR, not USD" in decision.reasons


def test_two_named_invoices_are_a_question_not_a_link():
    decision = decided(charge(1000, description="INV-0042 INV-0043"), invoice(42), invoice(43))
    assert decision.outcome != "linked"


def test_a_named_invoice_of_another_customer_is_not_linked():
    line = charge(5000, description="INV-0042", customer_email="someone@else.com")
    decision = decided(line, invoice(42))
    assert decision.outcome == "unmatched"


def test_an_invoice_of_another_organization_is_never_a_candidate():
    assert decided(charge(description="INV-0042"), invoice(42, organization_id=8)).outcome == "unmatched"


def test_reference_keys_ignore_numbers_without_letters_and_digits():
    assert reference_keys(["Order 42, INV-0042; 12.50 ABCD"]) == {"INV0042"}


# T3: same customer, exactly the outstanding amount


def test_same_customer_and_exactly_the_outstanding_amount_links():
    decision = decided(charge(customer="cus_1"), invoice(1), invoice(2))
    assert outcome(decision) == ("linked", "T3", (1,))
    assert decision.reasons == ("Same customer (cus_1), exactly the $120.00 outstanding on INV-0001, "
                                "paid 3 days after issue",)


def test_the_customers_email_matches_whatever_its_case():
    assert outcome(decided(charge(customer_email="C1@Example.COM"), invoice(1), invoice(2))) == ("linked", "T3", (1,))


def test_the_amount_compares_with_what_is_outstanding_not_the_total():
    part_paid = invoice(total=20000, outstanding=12000)
    assert outcome(decided(charge(12000, customer="cus_1"), part_paid)) == ("linked", "T3", (1,))
    assert decided(charge(20000, customer="cus_1"), part_paid).outcome != "linked"


@pytest.mark.parametrize("created, links", [
    (ISSUED - timedelta(days=10), True), (DUE + timedelta(days=60), True),
    (ISSUED - timedelta(days=11), False), (DUE + timedelta(days=61), False),
])
def test_same_customer_links_from_ten_days_before_issue_to_sixty_after_due(created, links):
    decision = decided(charge(customer="cus_1", created=created), invoice())
    assert (decision.outcome == "linked") is links
    if not links:
        assert decision.tier == "T7" and decision.outcome == "suggested"


def test_two_invoices_of_the_customer_for_the_same_amount_are_suggested_not_linked():
    decision = decided(charge(customer="cus_1"), invoice(1), invoice(2, stripe_customer_id="cus_1", due_date=DUE + timedelta(days=1)))
    assert outcome(decision) == ("suggested", "T3", (1,))
    assert decision.reasons[-1] == ("2 of this customer's invoices are for exactly this amount (INV-0001 and "
                                    "INV-0002): the oldest is suggested")


def test_the_same_customer_in_another_currency_does_not_link():
    assert decided(charge(customer="cus_1"), invoice(currency="EUR")).outcome == "unmatched"


# T4: exact amount, any customer


def test_the_one_invoice_of_any_customer_for_exactly_the_amount_is_suggested():
    decision = decided(charge(customer="cus_9"), invoice(1), invoice(2, outstanding=5000))
    assert outcome(decision) == ("suggested", "T4", (1,))


@pytest.mark.parametrize("created, suggests", [
    (ISSUED - timedelta(days=3), True), (DUE + timedelta(days=15), True),
    (ISSUED - timedelta(days=4), False), (DUE + timedelta(days=16), False),
])
def test_exact_amount_of_any_customer_counts_from_three_days_before_issue_to_fifteen_after_due(created, suggests):
    assert (decided(charge(created=created), invoice()).outcome == "suggested") is suggests


def test_the_same_amount_on_the_same_day_for_two_customers_is_a_question_that_is_explained():
    decision = decided(charge(), invoice(1), invoice(2))
    assert decision.outcome == "unmatched"
    assert decision.reasons[0].startswith("2 open invoices of different customers are for exactly $120.00")


# T5: a set of the customer's invoices


def test_one_set_of_the_customers_invoices_summing_exactly_links_all_of_them():
    invoices = [invoice(1, outstanding=5000), invoice(2, total=3000, outstanding=3000),
                invoice(3, outstanding=4000), invoice(4, outstanding=9999)]
    decision = decided(charge(12000, customer="cus_1"), *[replace(i, stripe_customer_id="cus_1") for i in invoices])
    assert outcome(decision) == ("linked", "T5", (1, 2, 3))
    assert [s.amount for s in decision.settlements] == [5000, 3000, 4000]


def test_several_sets_summing_exactly_are_suggested_and_counted():
    invoices = [replace(invoice(i, outstanding=amount), stripe_customer_id="cus_1")
                for i, amount in enumerate([4000, 8000, 6000, 6000], start=1)]
    decision = decided(charge(12000, customer="cus_1"), *invoices)
    assert outcome(decision) == ("suggested", "T5", (1, 2))
    assert decision.reasons[-1] == "2 sets of this customer's open invoices sum to this amount: the first is suggested"


def test_a_set_is_only_of_the_customers_own_invoices():
    assert decided(charge(9000, customer="cus_1"), invoice(1, outstanding=4000), invoice(2, outstanding=5000)).outcome != "linked"


def test_exact_sets_lists_the_fewest_invoices_first_and_stops_at_six():
    assert exact_sets([1, 2, 3, 4], 5) == [(0, 3), (1, 2)]
    assert exact_sets([1] * 7, 7) == []
    assert len(exact_sets([1] * 7, 6)) == 7  # the seven sets of six
    assert exact_sets([5], 5) == []


def test_a_set_is_drawn_from_the_customers_twelve_oldest_invoices():
    old = [replace(invoice(i, outstanding=100 + i), stripe_customer_id="cus_1") for i in range(1, 13)]
    late = [replace(invoice(20, outstanding=5000, due_date=DUE + timedelta(days=1)), stripe_customer_id="cus_1"),
            replace(invoice(21, outstanding=7000, due_date=DUE + timedelta(days=1)), stripe_customer_id="cus_1")]
    assert decided(charge(12000, customer="cus_1"), *old, *late).outcome == "unmatched"
    assert outcome(decided(charge(12000, customer="cus_1"), *old[:10], *late)) == ("linked", "T5", (20, 21))


# T6: part payments


def test_a_part_payment_of_the_customer_is_suggested_with_its_share():
    decision = decided(charge(6000, customer="cus_1"), invoice())
    assert outcome(decision) == ("suggested", "T6", (1,))
    assert decision.reasons[0] == ("Same customer (cus_1), a part payment: $60.00 is 50% of the $120.00 "
                                   "outstanding on INV-0001, paid 3 days after issue")


@pytest.mark.parametrize("amount, suggested", [(600, True), (11400, True), (599, False), (11401, False)])
def test_a_part_payment_is_five_to_ninety_five_percent_of_what_is_outstanding(amount, suggested):
    assert (decided(charge(amount, customer="cus_1"), invoice()).tier == "T6") is suggested


# T7: near amounts


def test_an_overpayment_within_one_percent_is_suggested_naming_the_difference():
    decision = decided(charge(12100, customer="cus_1"), invoice())
    assert outcome(decision) == ("suggested", "T7", (1,))
    assert decision.settlements[0].amount == 12000
    assert decision.reasons[0] == ("Same customer (cus_1): $121.00 is $1.00 more than the $120.00 outstanding on "
                                   "INV-0001 (within $1.20), paid 3 days after issue")


def test_a_named_invoice_overpaid_by_a_little_is_suggested():
    assert outcome(decided(charge(12050, description="INV-0001"), invoice())) == ("suggested", "T7", (1,))


def test_one_minor_unit_off_a_small_invoice_is_near():
    assert decided(charge(51, customer="cus_1"), invoice(outstanding=50, total=50)).tier == "T7"
    assert decided(charge(52, customer="cus_1"), invoice(outstanding=50, total=50)).outcome == "unmatched"


def test_two_percent_off_is_not_near():
    assert decided(charge(12240, customer="cus_1"), invoice()).outcome == "unmatched"


# Zero- and three-decimal currencies


def test_a_yen_invoice_links_and_reads_in_whole_yen():
    decision = decided(charge(12000, currency="JPY", customer="cus_1"), invoice(currency="JPY"))
    assert outcome(decision) == ("linked", "T3", (1,))
    assert "exactly the ¥12,000 outstanding" in decision.reasons[0]


def test_a_kuwaiti_dinar_part_payment_reads_in_fils():
    decision = decided(charge(1234, currency="KWD", customer="cus_1"), invoice(currency="KWD", total=2468, outstanding=2468))
    assert outcome(decision) == ("suggested", "T6", (1,))
    assert "KWD 1.234 is 50% of the KWD 2.468 outstanding" in decision.reasons[0]


def test_a_yen_payment_one_yen_off_is_near_and_ten_yen_is_one_percent():
    target = invoice(currency="JPY", total=1000, outstanding=1000)
    assert decided(charge(1010, currency="JPY", customer="cus_1"), target).tier == "T7"
    assert decided(charge(1011, currency="JPY", customer="cus_1"), target).outcome == "unmatched"


# Rules for every tier


@pytest.mark.parametrize("line", [
    charge(description="INV-0001"), charge(customer="cus_1"), charge(), charge(6000, customer="cus_1"),
    charge(12100, customer="cus_1"), charge(24000, customer="cus_1"),
], ids=["T2", "T3", "T4", "T6", "T7", "T5"])
def test_no_tier_after_t1_crosses_currencies(line):
    invoices = [invoice(1, currency="EUR"), invoice(2, currency="EUR", stripe_customer_id="cus_1")]
    assert decided(line, *invoices).outcome == "unmatched"


def test_an_unmatched_line_says_why():
    decision = decided(charge(99999, customer="cus_1"), invoice())
    assert decision.reasons == ("No open invoice in USD fits $999.99",)


def test_a_zero_amount_is_unmatched():
    assert decided(charge(0), invoice()).reasons == ("A zero amount: nothing to match",)


def test_decide_takes_an_index_built_once_but_not_another_organizations():
    pool = Candidates([invoice()], organization_id=ORG)
    assert outcome(decide(charge(customer="cus_1"), pool, organization_id=ORG)) == ("linked", "T3", (1,))
    with pytest.raises(ValueError):
        decide(charge(), pool, organization_id=8)


def test_rematch_never_gives_the_same_outstanding_amount_twice():
    first, second = charge(id="a", customer="cus_1"), charge(id="b", customer="cus_1", created=ISSUED + timedelta(days=4))
    results = [outcome(d) for _, d in rematch([second, first], [invoice()], organization_id=ORG)]
    assert results == [("linked", "T3", (1,)), ("unmatched", None, ())]


def test_rematch_lets_two_part_payments_settle_an_invoice_by_its_number():
    lines = [charge(6000, id="a", description="INV-0001"), charge(6000, id="b", description="INV-0001"),
             charge(6000, id="c", description="INV-0001")]
    results = [outcome(d)[0] for _, d in rematch(lines, [invoice()], organization_id=ORG)]
    assert results == ["linked", "linked", "unmatched"]


# The allocation


def allocation():
    line = charge(id="l1")
    return Allocation(lines=[line, charge(id="l2")], invoices=[invoice(1), invoice(2, total=20000, outstanding=5000)])


def test_a_link_never_allocates_more_than_the_line():
    with pytest.raises(AllocationError, match=r"allocate \$130.00 of a \$120.00 line"):
        allocation().link("l1", [Settlement(amount=10000, invoice_id=1), Settlement(amount=3000, invoice_id=2)])


def test_a_link_never_records_more_than_is_outstanding():
    ledger = allocation()
    with pytest.raises(AllocationError, match="outstanding"):
        ledger.link("l1", [Settlement(amount=6000, invoice_id=2)])
    ledger.link("l1", [Settlement(amount=4000, invoice_id=2)])
    with pytest.raises(AllocationError):
        ledger.link("l2", [Settlement(amount=1001, invoice_id=2)])
    assert ledger.outstanding(2) == 1000 and not ledger.is_linked("l2")


def test_payments_recorded_and_linked_never_exceed_the_total():
    ledger = allocation()
    ledger.link("l1", [Settlement(amount=12000, invoice_id=1, effect="recorded")])
    with pytest.raises(AllocationError, match="total"):
        ledger.link("l2", [Settlement(amount=1, invoice_id=1)])


def test_a_line_is_linked_once_until_it_is_unlinked():
    ledger = allocation()
    ledger.link("l1", [Settlement(amount=100, invoice_id=1)])
    with pytest.raises(AllocationError, match="already linked"):
        ledger.link("l1", [Settlement(amount=100, invoice_id=1)])


def test_unlink_reverses_exactly_what_link_did():
    ledger = allocation()
    before = ledger.state()
    done = ledger.link("l1", [Settlement(amount=7000, invoice_id=1), Settlement(amount=5000, invoice_id=2)])
    assert (ledger.outstanding(1), ledger.outstanding(2), ledger.unallocated("l1")) == (5000, 0, 0)
    assert ledger.lines_paying(2) == ["l1"]
    assert ledger.unlink("l1") == done
    assert ledger.state() == before and ledger.violations() == []
    with pytest.raises(AllocationError, match="not linked"):
        ledger.unlink("l1")


def test_a_settlement_in_another_currency_needs_its_amount_in_that_currency():
    ledger = Allocation(lines=[charge(id="l1")], invoices=[invoice(currency="EUR")])
    with pytest.raises(AllocationError, match="in EUR"):
        ledger.link("l1", [Settlement(amount=100, invoice_id=1)])
    ledger.link("l1", [Settlement(amount=12000, invoice_id=1, invoice_amount=11000)])
    assert ledger.outstanding(1) == 1000


def test_settlements_are_positive_and_name_an_invoice_or_only_a_category():
    with pytest.raises(ValueError):
        Settlement(amount=0, invoice_id=1)
    with pytest.raises(ValueError):
        Settlement(amount=1, category="stripe_fees", effect="booking", invoice_id=1)
    with pytest.raises(ValueError):
        Settlement(amount=1)


# Growth: the cycle collector is paused while a batch is decided, and resumed as it was found
def test_rematch_resumes_the_cycle_collector_it_paused_even_when_a_line_fails():
    import gc

    assert gc.isenabled()
    rematch([charge()], [invoice()], organization_id=ORG)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        rematch([charge(), charge()], [invoice(), invoice()], organization_id=ORG)  # invoice 1 twice
    assert gc.isenabled()
    gc.disable()
    try:
        rematch([charge()], [invoice()], organization_id=ORG)
        assert not gc.isenabled(), "a caller that paused it resumes it"
    finally:
        gc.enable()
