"""Fees, balances, availability, refunds, disputes and payouts in Stripe's shapes."""
import pytest
import stripe

from stripe_sandbox.money import card_fee, format_amount


def client(stripe_sandbox, key):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0)


def pay(sandbox, amount, currency, pm="pm_card_visa"):
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    return sandbox.v1.payment_intents.create(params={
        "amount": amount, "currency": currency, "customer": customer.id, "payment_method": pm,
        "confirm": True})


@pytest.mark.parametrize("amount, fee", [(1000, 59), (100, 33), (1, 30), (10_000, 320),
                                         (1017, 59), (1035, 60), (99_999_999, 2_900_030)])
def test_the_card_fee_is_2_9_percent_plus_30_rounded_half_up_in_integers(amount, fee):
    assert card_fee(amount) == fee
    assert isinstance(card_fee(amount), int)


@pytest.mark.parametrize("amount, currency, text", [
    (123456, "usd", "1,234.56 USD"), (1500, "jpy", "1,500 JPY"), (12345, "kwd", "12.345 KWD"),
    (-5, "eur", "-0.05 EUR"), (0, "bhd", "0.000 BHD")])
def test_amounts_are_formatted_with_the_currencys_decimals(amount, currency, text):
    assert format_amount(amount, currency) == text


@pytest.mark.parametrize("currency, amount", [("usd", 2000), ("eur", 1999), ("jpy", 5000)])
def test_a_charge_books_a_pending_transaction_with_its_fee(stripe_sandbox, sandbox_key, currency, amount):
    sandbox = client(stripe_sandbox, sandbox_key)
    stripe_sandbox.settle_in(sandbox_key, currencies=[currency])  # it has a bank account in it
    pi = pay(sandbox, amount, currency)
    charge = sandbox.v1.charges.retrieve(pi.latest_charge)
    txn = sandbox.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert (txn.amount, txn.currency, txn.type, txn.reporting_category) == (amount, currency, "charge", "charge")
    assert txn.fee == card_fee(amount) and txn.net == amount - txn.fee
    assert txn.fee_details[0].to_dict() == {"amount": txn.fee, "application": None, "currency": currency,
                                            "description": "Stripe processing fees", "type": "stripe_fee"}
    assert txn.status == "pending" and txn.available_on == txn.created + 2 * 86400
    assert txn.source == charge.id and txn.exchange_rate is None
    balance = sandbox.v1.balance.retrieve()
    assert [(b.currency, b.amount) for b in balance.pending] == [(currency, txn.net)]
    assert [(b.currency, b.amount) for b in balance.available] == [(currency, 0)]


def test_pending_funds_become_available_when_the_clock_passes_available_on(stripe_sandbox, sandbox_key, webhook_receiver):
    sandbox = client(stripe_sandbox, sandbox_key)
    sandbox.v1.webhook_endpoints.create(params={"url": webhook_receiver.url,
                                                "enabled_events": ["balance.available"]})
    pi = pay(sandbox, 5000, "usd")
    stripe_sandbox.advance_clock(days=2)
    txn = sandbox.v1.balance_transactions.retrieve(
        sandbox.v1.charges.retrieve(pi.latest_charge).balance_transaction)
    assert txn.status == "available"
    balance = sandbox.v1.balance.retrieve()
    assert balance.available[0].amount == txn.net and balance.pending[0].amount == 0
    webhook_receiver.wait_for(1)
    assert webhook_receiver.events()[0]["type"] == "balance.available"


def test_a_refund_is_a_negative_transaction_and_marks_the_charge(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    stripe_sandbox.settle_in(sandbox_key, currencies=["eur"])
    pi = pay(sandbox, 3000, "eur")
    refund = sandbox.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1000})
    txn = sandbox.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (txn.amount, txn.fee, txn.net, txn.type, txn.reporting_category) == (-1000, 0, -1000, "refund", "refund")
    charge = sandbox.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 1000 and charge.refunded is False
    with pytest.raises(stripe.InvalidRequestError):
        sandbox.v1.refunds.create(params={"charge": charge.id, "amount": 2001})
    sandbox.v1.refunds.create(params={"charge": charge.id})
    assert sandbox.v1.charges.retrieve(charge.id).refunded is True


def test_a_dispute_withdraws_the_amount_plus_a_fee(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    pi = pay(sandbox, 4000, "usd")
    dispute = stripe_sandbox.dispute(sandbox_key, payment_intent=pi.id)
    [txn] = sandbox.v1.balance_transactions.list(params={"type": "adjustment"}).data
    assert txn.source == dispute["id"] and txn.reporting_category == "dispute"
    assert (txn.amount, txn.fee, txn.net) == (-4000, 1500, -5500)
    assert sandbox.v1.charges.retrieve(pi.latest_charge).disputed is True


def test_a_payout_sweeps_the_available_balance_and_sums_to_zero(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    stripe_sandbox.settle_in(sandbox_key, currencies=["jpy"])
    for amount, currency in [(1000, "usd"), (2550, "usd"), (7000, "jpy")]:
        pay(sandbox, amount, currency)
    refund_pi = pay(sandbox, 800, "usd")
    stripe_sandbox.advance_clock(days=3)
    sandbox.v1.refunds.create(params={"payment_intent": refund_pi.id, "amount": 300})
    payouts = stripe_sandbox.payouts(sandbox_key)
    assert sorted(p["currency"] for p in payouts) == ["jpy", "usd"]
    for payout in payouts:
        assert payout["status"] == "pending" and payout["reconciliation_status"] == "in_progress"
        members = list(sandbox.v1.balance_transactions.list(
            params={"payout": payout["id"], "limit": 100}).auto_paging_iter())
        assert sum(t.net for t in members) == 0
        [own] = [t for t in members if t.type == "payout"]
        assert own.id == payout["balance_transaction"] and own.amount == -payout["amount"]
    usd = next(p for p in payouts if p["currency"] == "usd")
    expected = sum(a - card_fee(a) for a in (1000, 2550, 800)) - 300
    assert usd["amount"] == expected
    assert all(b.amount == 0 for b in sandbox.v1.balance.retrieve().available)


def test_a_payout_advances_to_paid_and_completes_reconciliation(stripe_sandbox, sandbox_key, webhook_receiver):
    sandbox = client(stripe_sandbox, sandbox_key)
    sandbox.v1.webhook_endpoints.create(params={"url": webhook_receiver.url, "enabled_events": ["payout.paid", "payout.reconciliation_completed"]})
    pay(sandbox, 1000, "usd")
    stripe_sandbox.advance_clock(days=2)
    [payout] = stripe_sandbox.payouts(sandbox_key)
    assert stripe_sandbox.advance_payout(payout["id"], sandbox_key)["status"] == "in_transit"
    paid = stripe_sandbox.advance_payout(payout["id"], sandbox_key)
    assert paid["status"] == "paid" and paid["reconciliation_status"] == "completed"
    fetched = sandbox.v1.payouts.retrieve(payout["id"])
    assert fetched.status == "paid" and fetched.automatic is True
    webhook_receiver.wait_for(2)
    assert [e["type"] for e in webhook_receiver.events()] == ["payout.paid", "payout.reconciliation_completed"]


def test_seeded_history_payouts_all_sum_to_zero(stripe_sandbox, sandbox_key):
    created = stripe_sandbox.seed(sandbox_key, balance_transactions=3000, months=6,
                                  currencies=["usd", "eur", "jpy"], seed=7)["created"]
    sandbox = client(stripe_sandbox, sandbox_key)
    payouts = list(sandbox.v1.payouts.list(params={"limit": 100}).auto_paging_iter())
    assert len(payouts) == created["payouts"] > 10
    for payout in payouts[:12]:
        nets = [t.net for t in sandbox.v1.balance_transactions.list(
            params={"payout": payout.id, "limit": 100}).auto_paging_iter()]
        assert sum(nets) == 0 and len(nets) > 1
    for txn in sandbox.v1.balance_transactions.list(params={"limit": 100}).data:
        assert isinstance(txn.amount, int) and isinstance(txn.fee, int) and isinstance(txn.net, int)
        assert txn.net == txn.amount - txn.fee


def test_a_failed_payout_returns_the_money(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    pay(sandbox, 1000, "usd")
    stripe_sandbox.advance_clock(days=2)
    [payout] = stripe_sandbox.payouts(sandbox_key)
    failed = stripe_sandbox.advance_payout(payout["id"], sandbox_key, to="failed")
    assert failed["failure_code"] == "account_closed"
    assert sandbox.v1.balance.retrieve().available[0].amount == payout["amount"]
