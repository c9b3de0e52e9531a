"""`expand[]` is checked like Stripe checks it: only expandable fields (ids typed
ExpandableField, includable lists) and at most 4 levels."""
import pytest
import stripe


@pytest.fixture
def sandbox(stripe_sandbox, sandbox_key):
    return stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0)


@pytest.fixture
def paid(sandbox):
    customer = sandbox.v1.customers.create(params={"name": "Ada"})
    return sandbox.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "customer": customer.id,
        "payment_method": "pm_card_visa", "confirm": True})


def refused(call):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call()
    assert caught.value.http_status == 400
    assert caught.value.error.type == "invalid_request_error"
    return caught.value.error.message


def test_expandable_fields_are_expanded(sandbox, paid):
    pi = sandbox.v1.payment_intents.retrieve(paid.id, params={
        "expand": ["customer", "latest_charge.balance_transaction"]})
    assert pi.customer.object == "customer"
    assert pi.latest_charge.balance_transaction.object == "balance_transaction"


def test_an_unknown_or_plain_field_cannot_be_expanded(sandbox, paid):
    assert refused(lambda: sandbox.v1.payment_intents.retrieve(paid.id, params={"expand": ["foo"]})) \
        == "This property cannot be expanded (foo)."
    assert refused(lambda: sandbox.v1.payment_intents.retrieve(paid.id, params={"expand": ["metadata"]})) \
        == "This property cannot be expanded (metadata)."
    assert refused(lambda: sandbox.v1.payment_intents.retrieve(
        paid.id, params={"expand": ["latest_charge.amount"]})) == \
        "This property cannot be expanded (amount)."


def test_expansion_goes_through_nested_objects(sandbox, paid):
    customer = sandbox.v1.customers.retrieve(paid.customer, params={
        "expand": ["invoice_settings.default_payment_method"]})
    assert customer.object == "customer"
    assert refused(lambda: sandbox.v1.customers.retrieve(paid.customer, params={
        "expand": ["invoice_settings"]})) == "This property cannot be expanded (invoice_settings)."


def test_more_than_four_levels_are_refused(sandbox, paid):
    assert refused(lambda: sandbox.v1.payment_intents.retrieve(paid.id, params={
        "expand": ["latest_charge.customer.invoice_settings.default_payment_method.customer"]})) \
        == "You cannot expand more than 4 levels of a property."
    sandbox.v1.payment_intents.retrieve(paid.id, params={
        "expand": ["latest_charge.customer.invoice_settings.default_payment_method"]})


def test_lists_expand_under_data(sandbox, paid):
    page = sandbox.v1.balance_transactions.list(params={"expand": ["data.source"]})
    assert page.data[0].source.object == "charge"
    assert refused(lambda: sandbox.v1.balance_transactions.list(params={"expand": ["source"]})) == \
        "This property cannot be expanded (source). You may want to try expanding 'data.source' instead."
    assert refused(lambda: sandbox.v1.balance_transactions.list(params={"expand": ["data.fee"]})) == \
        "This property cannot be expanded (fee)."


def test_expand_is_checked_on_writes_too_and_refusal_creates_nothing(sandbox):
    assert refused(lambda: sandbox.v1.customers.create(params={"name": "Ada", "expand": ["name"]})) \
        == "This property cannot be expanded (name)."
    assert sandbox.v1.customers.list().data == []
