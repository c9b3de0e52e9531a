"""Where the sandbox knowingly answers otherwise than Stripe: each difference pinned, so that
closing one shows up here (flip the test), and none grows unnoticed."""
import pytest
import stripe

from stripe_sandbox.events import RETRY_DELAYS
from tests.fixtures.stripe_sandbox import new_key


@pytest.fixture
def sandbox(stripe_sandbox, sandbox_key):
    return stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url}, max_network_retries=0)


def test_parameter_values_are_not_type_checked(sandbox):
    """Stripe: 400 parameter_invalid_integer for `balance=abc`; the sandbox checks names only."""
    customer = sandbox.v1.customers.create(params={"name": "Ada", "balance": "abc"})
    assert customer.balance == 0


def test_minimums_are_known_only_for_the_currencies_stripe_lists(sandbox):
    """Stripe refuses a charge under USD 0.50 at the day's rate in any currency; the sandbox knows
    the listed minimums only (ISK 1 goes through)."""
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    intent = sandbox.v1.payment_intents.create(params={"amount": 100, "currency": "isk", "customer": customer.id,
                                                       "payment_method": "pm_card_visa", "confirm": True})
    assert intent.status == "succeeded"


def test_checkout_is_payment_mode_with_price_data_only(sandbox):
    with pytest.raises(stripe.InvalidRequestError, match="mode=payment only"):
        sandbox.v1.checkout.sessions.create(params={"mode": "subscription", "success_url": "http://x/ok",
                                                    "line_items": [{"price": "price_1", "quantity": 1}]})


def test_payment_methods_made_over_the_api_are_cards_only(sandbox):
    with pytest.raises(stripe.InvalidRequestError, match="Only card"):
        sandbox.v1.payment_methods.create(params={"type": "sepa_debit"})


def test_a_fresh_restricted_key_may_do_everything_until_restricted(stripe_sandbox):
    """Stripe's new restricted key has only what its editor granted; the sandbox's has all until
    POST /_sandbox/keys says otherwise (test_a_key_granted_some_permissions_can_do_only_those)."""
    key = new_key("rk_test_")
    client = stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url}, max_network_retries=0)
    client.v1.customers.create(params={"name": "Ada"})


def test_the_card_fee_is_2_9_percent_plus_30_minor_units_in_every_currency(stripe_sandbox, sandbox_key, sandbox):
    """Stripe prices by country and method (Japan: 3.6%, no fixed part); the sandbox charges the US
    card price in every currency, so 5,000 JPY costs 145 + 30 JPY."""
    stripe_sandbox.settle_in(sandbox_key, currencies=["jpy"])
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    intent = sandbox.v1.payment_intents.create(params={"amount": 5000, "currency": "jpy", "customer": customer.id,
                                                       "payment_method": "pm_card_visa", "confirm": True})
    txn = sandbox.v1.balance_transactions.retrieve(sandbox.v1.charges.retrieve(intent.latest_charge).balance_transaction)
    assert (txn.currency, txn.fee) == ("jpy", 175)


def test_charges_become_available_two_days_later_in_every_account(sandbox):
    """Stripe's availability depends on the country, the industry and the account's age (7 to 14 days
    for a new account); the sandbox makes every charge available 2 days after it is created."""
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    intent = sandbox.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "customer": customer.id,
                                                       "payment_method": "pm_card_visa", "confirm": True})
    txn = sandbox.v1.balance_transactions.retrieve(sandbox.v1.charges.retrieve(intent.latest_charge).balance_transaction)
    assert txn.available_on - txn.created == 2 * 86400


def test_exchange_rates_are_fixed(stripe_sandbox, sandbox):
    """Stripe converts at the day's market rate plus its FX fee; the sandbox's rates never move (EUR
    to USD is 1.08 today and in a month)."""
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    rates = []
    try:
        for _ in range(2):
            intent = sandbox.v1.payment_intents.create(params={
                "amount": 1000, "currency": "eur", "customer": customer.id, "payment_method": "pm_card_visa",
                "confirm": True})
            charge = sandbox.v1.charges.retrieve(intent.latest_charge)
            rates.append(sandbox.v1.balance_transactions.retrieve(charge.balance_transaction).exchange_rate)
            stripe_sandbox.advance_clock(days=30)
    finally:
        stripe_sandbox.control("POST", "clock/advance", offset=0)
    assert rates == [1.08, 1.08]


def test_a_failed_webhook_is_retried_three_times_within_two_seconds():
    """Stripe retries a failed delivery for up to 3 days with exponential backoff; the sandbox tries
    4 times in under 2 s, so that tests see retries without waiting."""
    assert len(RETRY_DELAYS) == 3 and sum(RETRY_DELAYS) < 2


def test_card_4000000000009887_is_the_sandboxs_own(sandbox):
    """Stripe has no test card whose issuer declines with decline_code=authentication_required; the
    sandbox adds 4000 0000 0000 9887 so that Light's SCA path for that decline can be exercised."""
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    card = sandbox.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4000000000009887", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    with pytest.raises(stripe.CardError) as caught:
        sandbox.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "customer": customer.id,
                                                  "payment_method": card.id, "confirm": True})
    assert caught.value.error.decline_code == "authentication_required"
