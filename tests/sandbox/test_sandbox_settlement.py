"""An account settles in its settlement currencies: a foreign charge is converted on booking,
with Stripe's exchange_rate; payouts carry a trace_id and disputes their evidence fields."""
from decimal import Decimal

import pytest

from stripe_sandbox import fx
from stripe_sandbox.money import card_fee
from tests.sandbox.test_sandbox_money import client, pay


@pytest.fixture
def sandbox(stripe_sandbox, sandbox_key):
    return client(stripe_sandbox, sandbox_key)


def booked(sandbox, pi):
    charge = sandbox.v1.charges.retrieve(pi.latest_charge)
    return charge, sandbox.v1.balance_transactions.retrieve(charge.balance_transaction)


@pytest.mark.parametrize("amount, currency, usd_cents, rate", [
    (1999, "eur", 2159, 1.08),        # 19.99 EUR x 1.08 = 21.5892 USD
    (5000, "jpy", 3350, 0.0067),      # 5,000 JPY x 0.0067 = 33.50 USD
    (12340, "kwd", 4011, 3.25)])      # 12.340 KWD x 3.25 = 40.105 USD, half up
def test_a_foreign_charge_is_booked_in_the_settlement_currency_with_its_rate(
        sandbox, amount, currency, usd_cents, rate):
    charge, txn = booked(sandbox, pay(sandbox, amount, currency))
    assert (charge.amount, charge.currency) == (amount, currency)  # what the customer paid
    assert (txn.amount, txn.currency, txn.exchange_rate) == (usd_cents, "usd", rate)
    assert txn.fee == card_fee(usd_cents) and txn.fee_details[0].currency == "usd"
    balance = sandbox.v1.balance.retrieve()
    assert [b.currency for b in balance.pending] == ["usd"]


def test_a_refund_and_a_dispute_of_a_foreign_charge_use_the_charges_rate(stripe_sandbox, sandbox_key, sandbox):
    pi = pay(sandbox, 10000, "eur")
    refund = sandbox.v1.refunds.create(params={"payment_intent": pi.id, "amount": 2500})
    refund_txn = sandbox.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (refund.amount, refund.currency) == (2500, "eur")
    assert (refund_txn.amount, refund_txn.currency, refund_txn.exchange_rate) == (-2700, "usd", 1.08)
    dispute = stripe_sandbox.dispute(sandbox_key, payment_intent=pi.id)
    assert (dispute["amount"], dispute["currency"]) == (7500, "eur")
    withdrawal = dispute["balance_transactions"][0]
    assert (withdrawal["amount"], withdrawal["currency"], withdrawal["exchange_rate"]) == (-8100, "usd", 1.08)


def test_a_currency_the_account_has_a_bank_account_in_is_not_converted(stripe_sandbox, sandbox_key, sandbox):
    stripe_sandbox.settle_in(sandbox_key, currencies=["eur"])
    _, txn = booked(sandbox, pay(sandbox, 1999, "eur"))
    assert (txn.amount, txn.currency, txn.exchange_rate) == (1999, "eur", None)
    _, txn = booked(sandbox, pay(sandbox, 1000, "gbp"))
    assert (txn.amount, txn.currency, txn.exchange_rate) == (1270, "usd", 1.27)  # into the default


def test_rates_are_decimals_and_conversion_rounds_half_up():
    assert fx.rate("eur", "usd") == Decimal("1.08")
    assert fx.rate("usd", "eur") == Decimal("0.925926")
    assert fx.rate("usd", "usd") is None
    assert fx.convert(-1999, "eur", "usd", Decimal("1.08")) == -2159
    assert fx.convert(1000, "usd", "jpy", fx.rate("usd", "jpy")) == 1493  # 10 USD = 1,492.54 JPY


def test_seeded_foreign_charges_are_converted_into_the_first_settlement_currency(stripe_sandbox, sandbox_key, sandbox):
    stripe_sandbox.seed(sandbox_key, balance_transactions=200, months=1, currencies=["usd", "eur"],
                        foreign_currencies=["gbp", "jpy"], dispute_every=0)
    txns = sandbox.v1.balance_transactions.list(params={"limit": 100, "type": "charge"}).data
    converted = [t for t in txns if t.exchange_rate is not None]
    assert converted and {t.currency for t in converted} == {"usd"}
    assert {t.exchange_rate for t in converted} <= {1.27, 0.0067}
    assert all(t.exchange_rate is None for t in txns if t.currency == "eur")
    assert {b.currency for b in sandbox.v1.balance.retrieve().available} == {"usd", "eur"}


def test_a_payout_has_a_trace_id_once_paid(stripe_sandbox, sandbox_key, sandbox):
    pay(sandbox, 5000, "usd")
    stripe_sandbox.advance_clock(days=2)
    try:
        [payout] = stripe_sandbox.payouts(sandbox_key)
        assert payout["trace_id"] == {"status": "pending", "value": None}
        stripe_sandbox.advance_payout(payout["id"], sandbox_key, to="paid")
    finally:
        stripe_sandbox.control("POST", "clock/advance", offset=0)
    paid = sandbox.v1.payouts.retrieve(payout["id"])
    assert paid.trace_id.status == "supported" and len(paid.trace_id.value) == 15


def test_a_dispute_carries_evidence_and_its_deadline(stripe_sandbox, sandbox_key, sandbox):
    pi = pay(sandbox, 5000, "usd")
    created = stripe_sandbox.dispute(sandbox_key, payment_intent=pi.id)
    dispute = sandbox.v1.disputes.retrieve(created["id"])
    assert dispute.evidence.customer_name is None and dispute.evidence.uncategorized_text is None
    details = dispute.evidence_details
    assert (details.has_evidence, details.past_due, details.submission_count) == (False, False, 0)
    assert details.due_by > dispute.created


def test_known_difference_a_currency_without_a_rate_is_booked_as_is(sandbox):
    """A known difference: Stripe converts any currency; the sandbox has rates for some only."""
    _, txn = booked(sandbox, pay(sandbox, 5000, "thb"))
    assert (txn.amount, txn.currency, txn.exchange_rate) == (5000, "thb", None)
