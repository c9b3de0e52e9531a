"""Where the sandbox knowingly answers otherwise than Stripe: each difference pinned, so that
closing one shows up here (flip the test), and none grows unnoticed."""
import pytest
import stripe

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
